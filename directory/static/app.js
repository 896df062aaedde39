// Progressive enhancement only: every page works without this file.
// "Use my location" rounds coordinates to 2 decimals (about 1 km) before they leave the page.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var form = document.getElementById(button.getAttribute("data-locate"));
    if (!form) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        var round = function (x) { return (Math.round(x * 100) / 100).toFixed(2); };
        form.querySelector("[data-lat]").value = round(pos.coords.latitude);
        form.querySelector("[data-lon]").value = round(pos.coords.longitude);
        var near = form.querySelector("input[name=near]");
        if (near) near.value = "";
        form.submit();
      }, function () {
        button.textContent = "Location not available. Type a ZIP code instead.";
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
    });
  });
})();
