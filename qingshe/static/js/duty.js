// Duty: the check-in page sends where the phone is when the activity checks location.
// Without this file (or without permission) the form still posts and the service explains.
(function () {
  "use strict";
  function fill(form) {
    var lat = form.querySelector("[data-geo=lat]");
    var lng = form.querySelector("[data-geo=lng]");
    var status = form.querySelector("[data-geo-status]");
    if (!lat || !lng || !navigator.geolocation || form.dataset.geoAsked) { return; }
    form.dataset.geoAsked = "1";
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      if (status) { status.hidden = false; status.textContent = status.dataset.ok || "📍"; }
    }, function () {
      if (status) { status.hidden = false; status.textContent = status.dataset.denied || ""; }
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  function init(root) {
    (root || document).querySelectorAll("form[data-geo-required]").forEach(fill);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.detail.target); });
})();
