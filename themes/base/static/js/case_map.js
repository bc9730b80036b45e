// The case's pin on its unit grid. Works without any base map: the grid polygon and the
// pin are drawn on a blank background when no tile URL is configured or reachable.
(function () {
  var el = document.getElementById("case-map");
  if (!el || typeof L === "undefined") return;
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
  var map = L.map(el, { attributionControl: false }).setView([lat, lon], 16);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  try {
    var grid = L.geoJSON(JSON.parse(el.dataset.grid), { style: { color: "#005b8f", weight: 2, fillOpacity: 0.08 } }).addTo(map);
    map.fitBounds(grid.getBounds(), { padding: [12, 12] });
  } catch (e) { /* no grid geometry: the pin alone */ }
  L.circleMarker([lat, lon], { radius: 8, color: "#d4380d", fillOpacity: 0.9 }).addTo(map);
})();
