// Progressive enhancement only: every page works without this file.
// "Use my location" rounds coordinates to 2 decimals (about 1 km) before they leave the page.
(function () {
  "use strict";

  // A typed place wins over a remembered location: editing "Where?" forgets the coordinates.
  document.querySelectorAll("[data-near]").forEach(function (near) {
    near.addEventListener("input", function () {
      var form = near.form;
      if (!form) return;
      form.querySelectorAll("[data-lat], [data-lon]").forEach(function (f) { f.value = ""; });
    });
  });

  // On a wide screen the filters stand open beside the results; on a phone they wait, one tap away.
  if (window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }

  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var form = document.getElementById(button.getAttribute("data-locate"));
    if (!form) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.textContent = button.getAttribute("data-finding");
      navigator.geolocation.getCurrentPosition(function (pos) {
        var round = function (x) { return (Math.round(x * 100) / 100).toFixed(2); };
        form.querySelector("[data-lat]").value = round(pos.coords.latitude);
        form.querySelector("[data-lon]").value = round(pos.coords.longitude);
        var near = form.querySelector("input[name=near]");
        if (near) near.value = "";
        form.submit();
      }, function () {
        button.textContent = button.getAttribute("data-failed");
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
    });
  });
})();
