// Fill longitude/latitude from the device's position (supervisors report in the field).
(function () {
  var button = document.getElementById("use-location");
  if (!button || !navigator.geolocation) return;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById("id_lon").value = p.coords.longitude.toFixed(6);
      document.getElementById("id_lat").value = p.coords.latitude.toFixed(6);
    });
  });
})();
