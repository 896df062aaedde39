// The call list, kept in this browser only (localStorage: no cookie, nothing is sent anywhere).
// Without this file each save control is a link adding the place to the list in the address.
// Stored: {places: [{id, name, distance, from}], notes: {id: {outcome, date, text}}}.
// The list page's part is calllist-page.js, which uses window.callList.
(function () {
  "use strict";
  var KEY = "calllist.v1", MAX = 30; // MAX as calllist.MAX_PLACES on the server
  var store;
  try {
    store = window.localStorage;
    store.setItem(KEY + ".probe", "1");
    store.removeItem(KEY + ".probe");
  } catch (e) {
    return; // no storage (blocked, private mode): the links keep working as they are
  }
  function load() {
    var d;
    try { d = JSON.parse(store.getItem(KEY) || "{}") || {}; } catch (e) { d = {}; }
    if (!Array.isArray(d.places)) d.places = [];
    if (!d.notes || typeof d.notes !== "object") d.notes = {};
    return d;
  }
  function save(d) { try { store.setItem(KEY, JSON.stringify(d)); } catch (e) { /* full */ } }
  function idsOf(d) { return d.places.map(function (p) { return p.id; }); }
  function has(d, id) { return idsOf(d).indexOf(id) >= 0; }
  function fill(words, values) {
    return (words || "").replace(/\{(\w+)\}/g, function (_, k) { return values[k] || ""; });
  }
  var nav = document.querySelector("[data-calllist-nav]");
  var path = nav ? nav.getAttribute("href").split("?")[0] : "/list";
  function listUrl(ids) { return path + (ids.length ? "?ids=" + ids.join(",") : ""); }
  function words(kind) { return nav ? nav.getAttribute("data-word-" + kind) : ""; }

  // One polite live region says what a button did ("Saved to your call list: …").
  var live = document.createElement("p");
  live.className = "sr";
  live.setAttribute("aria-live", "polite");
  (document.querySelector("main") || document.body).appendChild(live);
  function say(text) {
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 60);
  }

  var toggles = [];
  function refresh(d) {
    toggles.forEach(function (t) { t.b.setAttribute("aria-pressed", has(d, t.id) ? "true" : "false"); });
    if (!nav) return;
    nav.setAttribute("href", listUrl(idsOf(d)));
    var count = nav.querySelector("[data-calllist-count]");
    if (count) count.textContent = d.places.length ? "(" + d.places.length + ")" : "";
  }
  var from = document.querySelector("a[data-from]"); // where a page's distances are from
  from = from ? from.getAttribute("data-from") : "";
  // Each save link becomes a toggle button (type=button: inside the search form, it never submits).
  document.querySelectorAll("a[data-save]").forEach(function (link) {
    var id = link.getAttribute("data-save");
    var sr = link.querySelector(".sr");
    var name = sr ? sr.textContent.trim().replace(/^\(|\)$/g, "") : "";
    var b = document.createElement("button");
    b.type = "button";
    b.className = "save-toggle";
    b.textContent = words("save");
    if (sr) b.appendChild(sr);
    b.addEventListener("click", function () {
      var d = load();
      if (has(d, id)) {
        d.places = d.places.filter(function (p) { return p.id !== id; });
        delete d.notes[id];
        say(fill(words("removed"), { name: name }));
      } else if (d.places.length >= MAX) {
        return say(words("full"));
      } else {
        var place = { id: id, name: name };
        if (link.hasAttribute("data-distance")) {
          place.distance = link.getAttribute("data-distance");
          place.from = from;
        }
        d.places.push(place);
        say(fill(words("saved"), { name: name }));
      }
      save(d);
      refresh(d);
    });
    toggles.push({ id: id, b: b });
    link.parentNode.replaceChild(b, link);
  });
  refresh(load());
  window.addEventListener("storage", function (e) { if (e.key === KEY) refresh(load()); });

  window.callList = {
    MAX: MAX, load: load, save: save, idsOf: idsOf, has: has, fill: fill, listUrl: listUrl, say: say
  };
})();
