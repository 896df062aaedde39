// The call list page (templates/list.html), with calllist.js: this browser's own list gets its
// notes (kept on this device only), a list opened from a shared link is offered to keep.
(function () {
  "use strict";
  var cl = window.callList;
  var page = document.querySelector("[data-calllist]");
  if (!cl || !page) return; // no storage: the page works from its address alone

  var shown = (page.getAttribute("data-ids") || "").split(",").filter(Boolean);
  var data = cl.load();
  var mine = cl.idsOf(data);
  if (!shown.length && mine.length) {
    window.location.replace(cl.listUrl(mine)); // the list this browser keeps, drawn by the server
    return;
  }
  var same = shown.length === mine.length && shown.every(function (id) { return mine.indexOf(id) >= 0; });

  page.querySelectorAll("button[data-copy], button[data-print]").forEach(function (b) { b.hidden = false; });
  page.querySelectorAll("[data-without-script]").forEach(function (el) { el.hidden = true; });
  var status = page.querySelector("[data-share-status]");
  var copy = page.querySelector("button[data-copy]");
  if (copy) {
    copy.addEventListener("click", function () {
      var input = document.getElementById(copy.getAttribute("data-copy"));
      var done = function () { status.textContent = copy.getAttribute("data-done"); };
      var fallback = function () {
        try { if (document.execCommand("copy")) done(); } catch (e) { /* the link stays selected */ }
      };
      input.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  }
  var print = page.querySelector("button[data-print]");
  if (print) print.addEventListener("click", function () { window.print(); });

  if (shown.length && !same) {
    // Opened from a shared link: the places, and a button to keep them; a link has no notes.
    page.querySelector("[data-shared]").hidden = false;
    page.querySelector("button[data-keep]").addEventListener("click", function () {
      var d = cl.load();
      page.querySelectorAll("[data-place]").forEach(function (li) {
        var id = li.getAttribute("data-place");
        if (!cl.has(d, id) && d.places.length < cl.MAX) {
          d.places.push({ id: id, name: li.querySelector("h3 a").textContent });
        }
      });
      cl.save(d);
      window.location.assign(cl.listUrl(cl.idsOf(d)));
    });
    return;
  }

  // This browser's own list: notes, outcomes, distances, and taking places off.
  page.querySelector("[data-mine]").hidden = false;
  page.querySelectorAll("a[data-sets-list]").forEach(function (a) {
    a.addEventListener("click", function () {
      var m = /[?&]ids=([^&#]*)/.exec(a.getAttribute("href"));
      var keep = m ? decodeURIComponent(m[1]).split(",") : [];
      var d = cl.load();
      d.places = d.places.filter(function (p) { return keep.indexOf(p.id) >= 0; });
      Object.keys(d.notes).forEach(function (id) { if (keep.indexOf(id) < 0) delete d.notes[id]; });
      cl.save(d); // then the link loads the shorter list
    });
  });

  var lang = document.documentElement.lang || "en";
  function longDate(iso) {
    var p = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!p) return "";
    var d = new Date(+p[1], +p[2] - 1, +p[3]);
    return d.toLocaleDateString(lang, { year: "numeric", month: "long", day: "numeric" });
  }
  function today() {
    var d = new Date();
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  page.querySelectorAll("[data-notes]").forEach(function (box) {
    var id = box.getAttribute("data-notes");
    var outcome = box.querySelector("[data-field=outcome]");
    var date = box.querySelector("[data-field=date]");
    var text = box.querySelector("[data-field=text]");
    var summary = page.querySelector("[data-outcome-for='" + id + "']");
    var note = data.notes[id] || {};
    outcome.value = note.outcome || "";
    date.value = note.date || "";
    text.value = note.text || "";
    box.hidden = false;
    function show() {
      var bits = [];
      if (outcome.value) bits.push(outcome.options[outcome.selectedIndex].text);
      if (date.value) bits.push(longDate(date.value));
      if (text.value.trim()) bits.push(text.value.trim());
      summary.textContent = bits.join(" · ");
    }
    function keep() {
      if (outcome.value && !date.value) date.value = today();
      var d = cl.load();
      if (!cl.has(d, id)) return; // taken off in another tab meanwhile
      d.notes[id] = { outcome: outcome.value, date: date.value, text: text.value.slice(0, 1000) };
      cl.save(d);
      show();
    }
    outcome.addEventListener("change", keep);
    date.addEventListener("change", keep);
    text.addEventListener("input", keep);
    show();
  });

  // Distances, for places saved from a search near somewhere.
  page.querySelectorAll("[data-distance-for]").forEach(function (cell) {
    var id = cell.getAttribute("data-distance-for");
    var place = data.places.filter(function (p) { return p.id === id; })[0];
    if (place && place.distance) {
      cell.textContent = cl.fill(cell.getAttribute("data-words"), { miles: place.distance, place: place.from });
    }
  });
})();
