// The public reports on a map. Points are grid centres (never the exact place), so the
// reports of one grid are drawn as one circle whose popup lists them. Works without any
// base map: with no tile URL the district outline and the points stand on a blank
// background. Text goes in through textContent only: report fields are citizens' input.
(function () {
  var el = document.getElementById("report-map");
  if (!el || typeof L === "undefined" || !window.fetch) return;
  var status = document.getElementById("report-map-status");
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.5 });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);

  var bounds = null;
  var outline = document.getElementById("district-boundary");
  if (outline) {
    try {
      var district = L.geoJSON(JSON.parse(outline.textContent), {
        style: { color: "#0b4f9c", weight: 2, fillColor: "#0b4f9c", fillOpacity: 0.04 },
        interactive: false
      }).addTo(map);
      bounds = district.getBounds();
    } catch (e) { /* no usable outline: the points alone */ }
  }
  map.setView([32.0, 118.73], 12);
  if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });

  function popup(reports) {
    var box = document.createElement("div");
    var head = document.createElement("strong");
    head.textContent = el.dataset.labelCount.replace("%(n)s", reports.length);
    box.appendChild(head);
    var list = document.createElement("ul");
    list.className = "report-map__popup";
    reports.slice(0, 10).forEach(function (r) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = r.url;
      link.textContent = r.category;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" · " + r.status + " · " + r.tracking_number));
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  fetch(el.dataset.src, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (points) {
      var cells = {};
      points.forEach(function (p) {
        var key = p.lat + "," + p.lon;
        (cells[key] = cells[key] || { lat: p.lat, lon: p.lon, reports: [] }).reports.push(p);
      });
      var layer = L.featureGroup().addTo(map);
      Object.keys(cells).forEach(function (key) {
        var cell = cells[key];
        var n = cell.reports.length;
        L.circleMarker([cell.lat, cell.lon], {
          radius: Math.min(6 + 2 * Math.sqrt(n), 18),
          color: "#c8102e",
          weight: 1,
          fillOpacity: 0.7
        }).bindPopup(popup(cell.reports)).addTo(layer);
      });
      if (points.length) map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 16 });
    })
    .catch(function () {
      if (!status) return;
      status.textContent = el.dataset.labelError;
      status.classList.add("report-map__note--error");
    });
})();
