// The command-centre dashboard: map of grids and open cases, counters, live feed, alarms and
// 30-day charts. State comes from the HTTP snapshot; the websocket streams every committed
// event after it. On a dropped socket the page reconnects and re-reads the snapshot with
// since=<last event id>, so nothing is missed. Works without base-map tiles.
(function () {
  "use strict";
  var root = document.getElementById("command");
  if (!root) return;
  var T = JSON.parse(document.getElementById("command-i18n").textContent);
  var COLORS = { green: "#389e0d", yellow: "#d48806", red: "#cf1322" };
  var RANK = { green: 1, yellow: 2, red: 3 };
  var FEED_MAX = 50;
  var INCREMENTS = { report: "reported", file: "filed", dispatch: "dispatched", close: "closed", self_handle: "closed" };

  var state = {
    cases: {},        // number -> case state (open cases only)
    seen: {},         // event id -> true
    lastEventId: 0,
    counters: {},
    alarms: {},       // alarm id -> payload
    level: "grid",
  };
  var buffer = null;  // events that arrive while a snapshot is loading
  var socket = null, retry = 0;

  // --- map ------------------------------------------------------------------------------
  var map = null, gridLayer = null, pinLayer = null, pins = {};
  if (typeof L !== "undefined") {
    map = L.map("command-map", { attributionControl: false, preferCanvas: true }).setView([32.0, 118.73], 12);
    if (root.dataset.tiles) L.tileLayer(root.dataset.tiles, { maxZoom: 19 }).addTo(map);
    pinLayer = L.layerGroup().addTo(map);
    fetch(root.dataset.grids, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        gridLayer = L.geoJSON(fc, { style: styleArea, onEachFeature: function (f, layer) {
          layer.bindTooltip(function () { return tooltip(f.properties); });
        } }).addTo(map);
        gridLayer.bringToBack();
        map.fitBounds(gridLayer.getBounds(), { padding: [8, 8] });
      })
      .catch(function () { /* the pins still draw without the grids */ });
  }

  function aggregates() {
    var out = { grid: {}, module: {} };
    Object.keys(state.cases).forEach(function (n) {
      var c = state.cases[n];
      [["grid", c.grid], ["module", c.module]].forEach(function (pair) {
        var bucket = out[pair[0]][pair[1]] || (out[pair[0]][pair[1]] = { n: 0, worst: "green" });
        bucket.n += 1;
        if (RANK[c.light] > RANK[bucket.worst]) bucket.worst = c.light;
      });
    });
    return out;
  }
  var agg = { grid: {}, module: {} };

  function styleArea(feature) {
    var key = state.level === "grid" ? feature.properties.grid : feature.properties.module;
    var a = agg[state.level][key];
    if (!a) return { color: "#8c8c8c", weight: 0.5, fillColor: "#f0f0f0", fillOpacity: 0.15 };
    var opacity = Math.min(0.75, 0.2 + 0.1 * a.n);
    return { color: COLORS[a.worst], weight: 1, fillColor: COLORS[a.worst], fillOpacity: opacity };
  }

  function tooltip(p) {
    var key = state.level === "grid" ? p.grid : p.module;
    var a = agg[state.level][key];
    var name = state.level === "grid" ? p.code : p.module_name;
    return name + " · " + T.open_cases + " " + (a ? a.n : 0);
  }

  function redrawAreas() {
    agg = aggregates();
    if (gridLayer) gridLayer.setStyle(styleArea);
  }

  function drawPin(c) {
    if (!pinLayer) return;
    if (pins[c.number]) { pinLayer.removeLayer(pins[c.number]); delete pins[c.number]; }
    if (!c.open) return;
    var marker = L.circleMarker([c.lat, c.lon], {
      radius: c.emergency ? 8 : 5, color: c.emergency ? "#820014" : "#fff", weight: c.emergency ? 3 : 1,
      fillColor: COLORS[c.light] || COLORS.green, fillOpacity: 0.95,
    });
    marker.bindPopup('<a href="' + c.url + '">' + esc(c.number) + "</a><br>" + esc(c.category) + " · " + esc(c.status_label) + (c.address ? "<br>" + esc(c.address) : ""));
    pins[c.number] = marker.addTo(pinLayer);
  }

  // --- counters, feed, alarms -------------------------------------------------------------
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }

  function renderCounters() {
    var open = 0, overdue = 0;
    Object.keys(state.cases).forEach(function (n) {
      open += 1;
      if (state.cases[n].light === "red") overdue += 1;
    });
    state.counters.open = open;
    state.counters.overdue = overdue;
    root.querySelectorAll("[data-counter]").forEach(function (el) {
      var v = state.counters[el.dataset.counter];
      el.textContent = v == null ? "—" : v;
    });
  }

  var feed = document.getElementById("command-feed");
  function feedItem(ev) {
    var li = document.createElement("li");
    li.className = "feed__item feed__item--" + (ev.case.light || "green") + (ev.case.emergency ? " feed__item--emergency" : "");
    li.dataset.event = ev.id;
    li.dataset.case = ev.case.number;
    var time = new Date(ev.at);
    var hh = ("0" + time.getHours()).slice(-2) + ":" + ("0" + time.getMinutes()).slice(-2);
    li.innerHTML = '<time datetime="' + esc(ev.at) + '">' + hh + "</time> <strong>" + esc(ev.label) + '</strong> <a href="' + esc(ev.case.url) + '">' + esc(ev.case.number) + "</a> " + esc(ev.case.category) + (ev.actor ? " · " + esc(ev.actor) : "");
    return li;
  }

  function addToFeed(ev) {
    // Newest first; a late-arriving older event goes in its place by id.
    var li = feedItem(ev), after = null;
    for (var i = 0; i < feed.children.length; i++) {
      if (Number(feed.children[i].dataset.event) < ev.id) { after = feed.children[i]; break; }
    }
    feed.insertBefore(li, after);
    while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastChild);
  }

  function applyCase(c) {
    var known = state.cases[c.number];
    if (known && known.version > c.version) return;
    if (c.open) state.cases[c.number] = c; else delete state.cases[c.number];
    drawPin(c);
  }

  function applyEvent(ev, fromSnapshot) {
    if (state.seen[ev.id]) return;
    state.seen[ev.id] = true;
    state.lastEventId = Math.max(state.lastEventId, ev.id);
    addToFeed(ev);
    if (fromSnapshot) return;  // the snapshot's cases and counters already include it
    applyCase(ev.case);
    var key = INCREMENTS[ev.action];
    if (key) state.counters[key] = (state.counters[key] || 0) + 1;
    renderCounters();
    redrawAreas();
  }

  var alarmBox = document.getElementById("command-alarms");
  function applyAlarm(a) {
    state.alarms[a.id] = a;
    var el = alarmBox.querySelector('[data-alarm="' + a.id + '"]');
    if (!el) {
      el = document.createElement("div");
      el.className = "alarm";
      el.dataset.alarm = a.id;
      el.setAttribute("role", "alert");
      alarmBox.prepend(el);
    }
    var due = new Date(a.respond_by);
    var hhmm = ("0" + due.getHours()).slice(-2) + ":" + ("0" + due.getMinutes()).slice(-2);
    el.classList.toggle("alarm--acked", !!a.acknowledged_at);
    el.innerHTML = "<strong>" + esc(T.alarm) + '</strong> <a href="' + esc(a.url) + '">' + esc(a.case) + "</a> " + esc(a.category) + (a.address ? " · " + esc(a.address) : "") + " · " + esc(T.respond_by) + " " + hhmm + " · " + esc(T.called) + " " + a.called + " " + esc(T.people) + " " +
      (a.acknowledged_at ? '<span class="alarm__done">' + esc(T.acked) + " " + esc(a.acknowledged_by) + "</span>" : '<button type="button" data-ack="' + a.id + '">' + esc(T.ack) + "</button>");
    if (!a.acknowledged_at && map) map.setView([a.lat, a.lon], Math.max(map.getZoom(), 14));
  }

  alarmBox.addEventListener("click", function (e) {
    var id = e.target && e.target.dataset.ack;
    if (!id) return;
    // The CSRF cookie is HttpOnly: the token comes from the page. Acknowledging is the same
    // act however often it is retried, so the alarm names the idempotency key.
    fetch(root.dataset.ack.replace("/0/", "/" + id + "/"), {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": root.dataset.csrf, Accept: "application/json", "Idempotency-Key": "alarm-ack-" + id },
    });
  });

  // --- snapshot and socket ----------------------------------------------------------------
  function status(kind) {
    var el = document.getElementById("command-status");
    el.dataset.state = kind;
    el.textContent = T[kind];
  }

  function loadSnapshot() {
    buffer = [];
    var url = root.dataset.snapshot + (state.lastEventId ? "?since=" + state.lastEventId : "");
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (snap) {
        // The snapshot is authoritative for the open cases and counters.
        var fresh = {};
        snap.cases.forEach(function (c) { fresh[c.number] = c; });
        Object.keys(state.cases).forEach(function (n) {
          if (!fresh[n]) drawPin(Object.assign({}, state.cases[n], { open: false }));
        });
        state.cases = {};
        snap.cases.forEach(applyCase);
        state.counters = snap.counters;
        snap.events.forEach(function (ev) { applyEvent(ev, true); });
        state.lastEventId = Math.max(state.lastEventId, snap.last_event_id);
        snap.alarms.forEach(applyAlarm);
        var pending = buffer; buffer = null;
        pending.forEach(handle);
        root.dataset.lastEventId = state.lastEventId;
        renderCounters();
        redrawAreas();
      })
      .catch(function () { buffer = null; });
  }

  function handle(msg) {
    if (buffer && msg.type !== "ready") { buffer.push(msg); return; }
    if (msg.type === "event") applyEvent(msg, false);
    else if (msg.type === "alarm" || msg.type === "alarm_ack") applyAlarm(msg);
    root.dataset.lastEventId = state.lastEventId;
  }

  function connect() {
    status(retry ? "reconnecting" : "connecting");
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.ws);
    socket.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      if (msg.type === "ready") {
        // Subscribed: anything committed from now on arrives here, so read the state now.
        retry = 0;
        status("connected");
        root.dataset.live = "1";
        loadSnapshot();
        return;
      }
      handle(msg);
    };
    socket.onclose = function () {
      root.dataset.live = "0";
      retry += 1;
      status("reconnecting");
      setTimeout(connect, Math.min(15000, 1000 * Math.pow(2, retry - 1)));
    };
  }

  // Lights turn yellow and red with time, not only on events: re-read now and then.
  setInterval(function () { if (root.dataset.live === "1") loadSnapshot(); }, 5 * 60 * 1000);
  document.querySelectorAll("input[name=level]").forEach(function (input) {
    input.addEventListener("change", function () { state.level = input.value; redrawAreas(); });
  });
  connect();

  // --- charts ------------------------------------------------------------------------------
  function charts() {
    if (typeof echarts === "undefined") return;
    fetch(root.dataset.charts, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (c) {
        var days = c.days.map(function (d) { return d.slice(5); });
        function chart(id, option) {
          var el = document.getElementById(id);
          var inst = echarts.getInstanceByDom(el) || echarts.init(el);
          inst.setOption(Object.assign({ grid: { left: 40, right: 12, top: 40, bottom: 28 }, tooltip: { trigger: "axis" } }, option), true);
        }
        chart("chart-sources", {
          title: { text: c.titles.sources, textStyle: { fontSize: 14 } },
          legend: { bottom: 0, textStyle: { fontSize: 11 } },
          grid: { left: 40, right: 12, top: 36, bottom: 56 },
          xAxis: { type: "category", data: days }, yAxis: { type: "value", minInterval: 1 },
          series: c.sources.map(function (s) { return { name: s.name, type: "bar", stack: "intake", data: s.data }; }),
        });
        chart("chart-categories", {
          title: { text: c.titles.categories, textStyle: { fontSize: 14 } },
          tooltip: { trigger: "item" },
          series: [{ type: "pie", radius: ["35%", "65%"], top: 20, data: c.categories }],
        });
        chart("chart-closure", {
          title: { text: c.titles.closure, textStyle: { fontSize: 14 } },
          xAxis: { type: "category", data: days }, yAxis: { type: "value", max: 100 },
          series: [{ type: "line", data: c.closure_rate, connectNulls: true, smooth: true }],
        });
        chart("chart-hours", {
          title: { text: c.titles.hours, textStyle: { fontSize: 14 } },
          xAxis: { type: "category", data: days }, yAxis: { type: "value" },
          series: [{ type: "line", data: c.handling_hours, connectNulls: true, areaStyle: {} }],
        });
      })
      .catch(function () { /* charts are a nice-to-have; the live view works without them */ });
  }
  charts();
  setInterval(charts, 10 * 60 * 1000);
  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart").forEach(function (el) {
      var inst = typeof echarts !== "undefined" && echarts.getInstanceByDom(el);
      if (inst) inst.resize();
    });
  });
})();
