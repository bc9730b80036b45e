// The public report page (and the hotline form): pick a category, locate the problem on a
// map of the unit grids (works with no base-map tiles), by device position, by a typed
// address or by a photo's EXIF GPS; show nearby open reports of the same category.
import { readExifGps } from "./exif_gps.js";

const $ = (id) => document.getElementById(id);
const form = document.querySelector("form.report-form");
const lonInput = $("id_lon");
const latInput = $("id_lat");
const status = $("location-status");
const select = $("id_category");
const notices = JSON.parse(($("category-notices") || {}).textContent || "{}");
const mapEl = $("report-map");
let map = null;
let pin = null;

// --- category: filter the long grouped list by a keyword, show the category's notice ------
const allOptions = select ? Array.from(select.querySelectorAll("option")) : [];
const filter = $("category-filter");
if (filter && select) {
  filter.addEventListener("input", () => {
    const q = filter.value.trim();
    select.querySelectorAll("optgroup").forEach((group) => {
      let any = false;
      group.querySelectorAll("option").forEach((opt) => {
        const show = !q || opt.textContent.includes(q) || group.label.includes(q);
        opt.hidden = !show;
        any = any || show;
      });
      group.hidden = !any;
    });
    const first = allOptions.find((o) => o.value && !o.hidden);
    if (q && first && (!select.value || select.selectedOptions[0].hidden)) {
      select.value = first.value;
      select.dispatchEvent(new Event("change"));
    }
  });
}
function showNotice() {
  const box = $("category-notice");
  if (!box || !select) return;
  const text = notices[select.value];
  box.textContent = text || "";
  box.hidden = !text;
}
if (select) select.addEventListener("change", () => { showNotice(); nearby(); });
showNotice();

// --- the map ------------------------------------------------------------------------------
function setLocation(lat, lon, label) {
  latInput.value = lat.toFixed(6);
  lonInput.value = lon.toFixed(6);
  if (status) status.textContent = `${label || "已选位置"} ${lon.toFixed(6)}, ${lat.toFixed(6)}`;
  if (map) {
    if (pin) pin.setLatLng([lat, lon]);
    else pin = L.circleMarker([lat, lon], { radius: 9, color: "#d4380d", fillOpacity: 0.9 }).addTo(map);
  }
  nearby();
}

if (mapEl && typeof L !== "undefined") {
  map = L.map(mapEl, { attributionControl: false }).setView([32.01, 118.72], 12);
  if (mapEl.dataset.tiles) L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19 }).addTo(map);
  fetch(mapEl.dataset.grids)
    .then((r) => r.json())
    .then((geo) => {
      const layer = L.geoJSON(geo, {
        style: { color: "#005b8f", weight: 1, fillOpacity: 0.05 },
        onEachFeature: (feature, l) => l.on("click", (e) => setLocation(e.latlng.lat, e.latlng.lng)),
      }).addTo(map);
      if (!latInput.value) map.fitBounds(layer.getBounds());
    })
    .catch(() => { /* no grid outlines: the blank map still takes clicks */ });
  map.on("click", (e) => setLocation(e.latlng.lat, e.latlng.lng));
  if (latInput.value && lonInput.value) {
    const lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    map.setView([lat, lon], 16);
    setLocation(lat, lon);
  }
}

const useLocation = $("use-location");
if (useLocation && navigator.geolocation) {
  useLocation.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setLocation(p.coords.latitude, p.coords.longitude, "当前位置");
        if (map) map.setView([p.coords.latitude, p.coords.longitude], 17);
      },
      () => { if (status) status.textContent = "无法获取当前位置，请在地图上点选。"; }
    );
  });
}

// --- typed address: the district's own gazetteer (streets, communities) -------------------
const findAddress = $("find-address");
if (findAddress && mapEl) {
  findAddress.addEventListener("click", () => {
    const q = ($("id_address") || {}).value || "";
    const list = $("address-results");
    list.innerHTML = "";
    fetch(`${mapEl.dataset.geocode}?q=${encodeURIComponent(q)}`)
      .then((r) => r.json())
      .then((data) => {
        if (!data.places.length) {
          list.innerHTML = "<li>未找到该地址，请在地图上点选。</li>";
          return;
        }
        data.places.forEach((place) => {
          const li = document.createElement("li");
          const b = document.createElement("button");
          b.type = "button";
          b.textContent = place.name;
          b.addEventListener("click", () => {
            if (map) map.setView([place.lat, place.lon], place.zoom);
            setLocation(place.lat, place.lon, place.name);
          });
          li.appendChild(b);
          list.appendChild(li);
        });
      });
  });
}

// --- a photo's EXIF GPS sets the pin when none is chosen yet --------------------------------
const photos = $("id_photos");
if (photos) {
  photos.addEventListener("change", async () => {
    if (latInput.value) return;
    for (const file of photos.files) {
      const gps = await readExifGps(file).catch(() => null);
      if (gps) {
        if (map) map.setView([gps.lat, gps.lon], 17);
        setLocation(gps.lat, gps.lon, "照片定位");
        return;
      }
    }
  });
}

// --- duplicate hint: open reports of the same category nearby ------------------------------
let nearbyTimer = null;
function nearby() {
  const box = $("nearby");
  if (!box || !mapEl || !select || !select.value || !latInput.value) return;
  clearTimeout(nearbyTimer);
  nearbyTimer = setTimeout(() => {
    const q = new URLSearchParams({ lon: lonInput.value, lat: latInput.value, category: select.value });
    fetch(`${mapEl.dataset.nearby}?${q}`)
      .then((r) => r.json())
      .then((data) => {
        const ul = box.querySelector("ul");
        ul.innerHTML = "";
        (data.nearby || []).forEach((item) => {
          const li = document.createElement("li");
          li.textContent = `${item.tracking_number} · 约${item.distance}米 · ${item.reported_at} · ${item.description}`;
          ul.appendChild(li);
        });
        box.hidden = !(data.nearby || []).length;
      })
      .catch(() => { box.hidden = true; });
  }, 250);
}

if (form) form.dataset.ready = "1";
