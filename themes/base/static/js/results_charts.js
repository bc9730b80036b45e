/* 成效公开: draw the trend and department charts from the figures embedded in the page. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("results-data").textContent);
  var labels = JSON.parse(document.getElementById("results-labels").textContent);
  var style = getComputedStyle(document.documentElement);
  var brand = style.getPropertyValue("--brand").trim() || "#0b4f9c";
  var accent = style.getPropertyValue("--accent").trim() || "#c8102e";
  var palette = [brand, accent, "#2e7d32", "#8a5a00"];
  var charts = [];

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }

  var trendEl = document.getElementById("chart-trend");
  if (trendEl) {
    var keys = ["discovery_rate", "dispatch_accuracy", "closure_rate", "satisfaction_rate"];
    var trend = echarts.init(trendEl, null, { renderer: "canvas" });
    trend.setOption({
      color: palette,
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 48, bottom: 32 },
      xAxis: { type: "category", data: data.trend.map(function (m) { return m.month; }) },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: keys.map(function (k) {
        return { name: labels[k], type: "line", connectNulls: true,
                 data: data.trend.map(function (m) { return pct(m[k]); }) };
      })
    });
    charts.push(trend);
  }

  var deptEl = document.getElementById("chart-departments");
  if (deptEl) {
    var rows = data.departments.slice(0, 10).reverse();
    var dept = echarts.init(deptEl, null, { renderer: "canvas" });
    dept.setOption({
      color: [brand],
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{ name: labels.score, type: "bar", data: rows.map(function (r) { return r.score; }) }]
    });
    charts.push(dept);
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.dataset.chartsReady = "true";
})();
