"use strict";
// Detection pages: the queries become tabs, and the index's search hides
// the rules that do not match. Nothing here reads untrusted text into
// HTML: tab labels come from data attributes via textContent.
(function () {
  document.querySelectorAll("div.queries").forEach(function (box, n) {
    var panels = Array.prototype.slice.call(box.querySelectorAll("section.tab-panel"));
    if (panels.length < 2) return;
    var bar = document.createElement("div");
    bar.className = "tabs";
    bar.setAttribute("role", "tablist");
    var buttons = panels.map(function (panel, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "tab");
      b.id = "tab-" + n + "-" + i;
      b.setAttribute("aria-controls", panel.id);
      b.textContent = panel.getAttribute("data-tab");
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", b.id);
      b.addEventListener("click", function () { select(i); });
      bar.appendChild(b);
      return b;
    });
    function select(i) {
      panels.forEach(function (p, j) { p.hidden = i !== j; });
      buttons.forEach(function (b, j) {
        b.setAttribute("aria-selected", i === j ? "true" : "false");
        b.tabIndex = i === j ? 0 : -1;
      });
    }
    box.insertBefore(bar, box.firstChild);
    select(0);
  });
  var search = document.getElementById("search");
  if (search) {
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      document.querySelectorAll("#rule-index tbody tr").forEach(function (tr) {
        var text = tr.getAttribute("data-search") || "";
        tr.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
  }
})();
