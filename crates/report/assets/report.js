"use strict";
// The hunt report's behaviour: filters, paging, expandable rows and the
// per-host timeline over the alerts embedded as JSON. Every value comes
// from a log and is untrusted: elements are made with createElement and
// filled with textContent, never from HTML text.
(function () {
  var LEVELS = ["informational", "low", "medium", "high", "critical"];
  var data = JSON.parse(document.getElementById("data").textContent);
  var alerts = data.alerts;
  var pageSize = data.server_rows;
  var page = 0;
  var shown = alerts;
  var $ = function (id) { return document.getElementById(id); };

  // Control, bidi and zero-width characters are shown, not applied (as the
  // server-side text does).
  var HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]/g;
  function visible(text) {
    if (text === null || text === undefined) return "";
    return String(text).replace(HIDDEN, function (c) { return "\\u{" + c.charCodeAt(0).toString(16) + "}"; });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = visible(text);
    return e;
  }
  function timeOf(a) {
    if (!a.timestamp) return null;
    var t = Date.parse(String(a.timestamp).replace(/(\.\d{3})\d+/, "$1"));
    return isNaN(t) ? null : t;
  }
  function destination(d) {
    if (!d) return null;
    var host = d.hostname || d.ip || "";
    if (host.indexOf(":") >= 0 && d.port) host = "[" + host + "]";
    if (d.port !== undefined && d.port !== null) return host + ":" + d.port;
    return host || null;
  }
  function activity(a) {
    if (a.command_line) return a.command_line;
    if (a.correlation) {
      var c = a.correlation;
      return c.type + " " + c.figure + " (" + c.condition + " in " + c.timespan + "), " + c.evidence_total + " events";
    }
    return a.query || destination(a.destination) || a.target_object || a.image || "";
  }
  function location(s) {
    if (s.line !== undefined && s.line !== null) return s.path + ":" + s.line;
    if (s.record_id !== undefined && s.record_id !== null) return s.path + "#" + s.record_id;
    return s.path;
  }
  function cut(text, max) {
    return text.length > max ? text.slice(0, max) + "\u2026" : text;
  }
  function display(value) {
    if (Array.isArray(value)) return value.map(display).join(" | ");
    if (value !== null && typeof value === "object") return JSON.stringify(value);
    return String(value);
  }
  alerts.forEach(function (a) {
    a._time = timeOf(a);
    a._host = a.computer || (a.client && (a.client.hostname || a.client.ip)) || "(no host)";
    a._branch = a.branch || "(no branch)";
    a._level = LEVELS.indexOf(a.level);
  });

  // --- filters -------------------------------------------------------
  function fillSelect(id, values) {
    var select = $(id);
    values.forEach(function (v) {
      var o = el("option", null, v);
      o.value = v;
      select.appendChild(o);
    });
  }
  function distinct(key) {
    var seen = {};
    alerts.forEach(function (a) { seen[a[key]] = true; });
    return Object.keys(seen).sort();
  }
  fillSelect("f-host", distinct("_host"));
  fillSelect("f-branch", distinct("_branch"));
  fillSelect("f-rule", distinct("rule_title"));
  $("filters").hidden = false;

  function parseBound(id) {
    var text = $(id).value.trim();
    if (!text) return null;
    var t = Date.parse(text.replace(/(\.\d{3})\d+/, "$1"));
    $(id).setAttribute("aria-invalid", isNaN(t) ? "true" : "false");
    return isNaN(t) ? null : t;
  }
  function haystack(a) {
    if (a._text === undefined) {
      var copy = {};
      Object.keys(a).forEach(function (k) { if (k.charAt(0) !== "_") copy[k] = a[k]; });
      a._text = JSON.stringify(copy).toLowerCase();
    }
    return a._text;
  }
  function applyFilters() {
    var host = $("f-host").value, branch = $("f-branch").value, rule = $("f-rule").value;
    var level = LEVELS.indexOf($("f-level").value);
    var from = parseBound("f-from"), to = parseBound("f-to");
    var text = $("f-text").value.trim().toLowerCase();
    shown = alerts.filter(function (a) {
      if (host && a._host !== host) return false;
      if (branch && a._branch !== branch) return false;
      if (rule && a.rule_title !== rule) return false;
      if (level >= 0 && a._level < level) return false;
      if (from !== null && (a._time === null || a._time < from)) return false;
      if (to !== null && (a._time === null || a._time > to)) return false;
      if (text && haystack(a).indexOf(text) < 0) return false;
      return true;
    });
    page = 0;
    renderRows();
    renderTimeline();
  }
  ["f-host", "f-branch", "f-rule", "f-level"].forEach(function (id) { $(id).addEventListener("change", applyFilters); });
  ["f-from", "f-to", "f-text"].forEach(function (id) { $(id).addEventListener("input", applyFilters); });
  $("f-clear").addEventListener("click", function () {
    ["f-host", "f-branch", "f-rule", "f-level", "f-from", "f-to", "f-text"].forEach(function (id) { $(id).value = ""; });
    applyFilters();
  });

  // --- the table -----------------------------------------------------
  function why(a) {
    var box = el("div", "why");
    var dl = el("dl", "card");
    function pair(name, value, cls) {
      dl.appendChild(el("dt", null, name));
      dl.appendChild(el("dd", cls || null, value));
    }
    pair("Rule", a.rule_title + (a.rule_id ? " (" + a.rule_id + ")" : ""));
    pair("Source", location(a.source) + " (" + a.source.format + ")", "mono");
    if (a.correlation) pair("Correlation", activity(a));
    var fields = a.event ? a.event.fields : {};
    var tested = (a.page && data.rules[a.page]) ? data.rules[a.page].fields : [];
    tested.forEach(function (name) {
      if (Object.prototype.hasOwnProperty.call(fields, name)) pair(name + " (tested)", display(fields[name]), "mono");
    });
    Object.keys(fields).forEach(function (name) {
      if (tested.indexOf(name) < 0) pair(name, display(fields[name]), "mono");
    });
    box.appendChild(dl);
    return box;
  }
  function row(a) {
    var tr = el("tr");
    tr.appendChild(el("td", "mono time", a.timestamp || "\u2014"));
    tr.appendChild(el("td", null, a._host === "(no host)" ? "" : a._host));
    tr.appendChild(el("td", null, a.user || ""));
    tr.appendChild(el("td", null, a.branch || ""));
    var level = el("td");
    if (a.level) level.appendChild(el("span", "level level-" + a.level, a.level));
    tr.appendChild(level);
    var rule = el("td");
    if (a.page) {
      var link = el("a", null, a.rule_title);
      link.href = "#rule-" + a.page;
      rule.appendChild(link);
    } else {
      rule.textContent = visible(a.rule_title);
    }
    tr.appendChild(rule);
    var cell = el("td");
    var details = el("details");
    details.appendChild(el("summary", "mono", cut(visible(activity(a)) || "(details)", 160)));
    details.addEventListener("toggle", function once() {
      details.removeEventListener("toggle", once);
      details.appendChild(why(a));
    });
    cell.appendChild(details);
    tr.appendChild(cell);
    return tr;
  }
  function renderRows() {
    var body = $("alert-rows");
    var pages = Math.max(1, Math.ceil(shown.length / pageSize));
    page = Math.min(page, pages - 1);
    var start = page * pageSize;
    var slice = shown.slice(start, start + pageSize);
    var fragment = document.createDocumentFragment();
    slice.forEach(function (a) { fragment.appendChild(row(a)); });
    body.replaceChildren(fragment);
    $("alert-count").textContent = "Showing " + (slice.length ? start + 1 : 0) + "\u2013" + (start + slice.length) +
      " of " + shown.length + " matching alerts (" + alerts.length + " in this report).";
    $("pager").hidden = pages < 2;
    $("p-label").textContent = "Page " + (page + 1) + " of " + pages;
    $("p-prev").disabled = page === 0;
    $("p-next").disabled = page >= pages - 1;
  }
  $("p-prev").addEventListener("click", function () { page -= 1; renderRows(); });
  $("p-next").addEventListener("click", function () { page += 1; renderRows(); });

  // --- the timeline --------------------------------------------------
  // One SVG per host, a row per branch; alerts are counted into buckets
  // of a few pixels so 100,000 alerts draw as a few thousand rectangles.
  var SVG = "http://www.w3.org/2000/svg";
  var MAX_HOSTS = 50, ROW = 22, LABEL = 190, BUCKET_PX = 4;
  var zoom = 1;
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function renderTimeline() {
    var box = $("timeline-hosts");
    var timed = shown.filter(function (a) { return a._time !== null; });
    var fragment = document.createDocumentFragment();
    if (!timed.length) {
      fragment.appendChild(el("p", "muted", "No alert with a timestamp matches the filters."));
      box.replaceChildren(fragment);
      return;
    }
    var min = Infinity, max = -Infinity;
    timed.forEach(function (a) { if (a._time < min) min = a._time; if (a._time > max) max = a._time; });
    var span = Math.max(max - min, 1000);
    var width = Math.round(Math.max(box.clientWidth - LABEL - 20, 400) * zoom);
    var buckets = Math.max(1, Math.floor(width / BUCKET_PX));
    var byHost = {};
    timed.forEach(function (a) { (byHost[a._host] = byHost[a._host] || []).push(a); });
    var hosts = Object.keys(byHost).sort(function (x, y) { return byHost[y].length - byHost[x].length || (x < y ? -1 : 1); });
    var controls = el("div", "timeline-controls");
    var zin = el("button", null, "Zoom in"), zout = el("button", null, "Zoom out");
    zin.type = zout.type = "button";
    zin.addEventListener("click", function () { zoom = Math.min(zoom * 2, 64); renderTimeline(); });
    zout.addEventListener("click", function () { zoom = Math.max(zoom / 2, 1); renderTimeline(); });
    controls.appendChild(zin);
    controls.appendChild(zout);
    controls.appendChild(el("span", "muted", new Date(min).toISOString() + " \u2192 " + new Date(max).toISOString() +
      " \u00b7 click a mark to filter the table to its time"));
    fragment.appendChild(controls);
    hosts.slice(0, MAX_HOSTS).forEach(function (host) {
      var list = byHost[host];
      var rows = {};
      list.forEach(function (a) {
        var b = Math.min(buckets - 1, Math.floor((a._time - min) / span * buckets));
        var r = rows[a._branch] = rows[a._branch] || {};
        r[b] = (r[b] || 0) + 1;
      });
      var branches = Object.keys(rows).sort();
      var wrap = el("div", "timeline-host");
      wrap.appendChild(el("h3", null, host + " \u2014 " + list.length + " alerts"));
      var scroll = el("div", "timeline-scroll");
      var height = branches.length * ROW + 6;
      var chart = svg("svg", { width: LABEL + width + 10, height: height, role: "img" });
      chart.setAttribute("aria-label", visible("Timeline of " + host));
      branches.forEach(function (branch, i) {
        var y = i * ROW + 3;
        var label = svg("text", { x: 4, y: y + 15, "font-size": 12, fill: "#1b1f24" });
        label.textContent = visible(cut(branch, 26));
        chart.appendChild(label);
        chart.appendChild(svg("line", { x1: LABEL, x2: LABEL + width, y1: y + ROW / 2, y2: y + ROW / 2, stroke: "#d0d7de" }));
        Object.keys(rows[branch]).forEach(function (key) {
          var bucket = Number(key), count = rows[branch][key];
          var mark = svg("rect", { x: LABEL + bucket * BUCKET_PX, y: y + 3, width: BUCKET_PX, height: ROW - 6,
            fill: "#b3261e", "fill-opacity": Math.min(1, 0.35 + count / 10) });
          var start = min + bucket / buckets * span, end = min + (bucket + 1) / buckets * span;
          var title = svg("title", {});
          title.textContent = visible(branch + ": " + count + " alert(s) " + new Date(start).toISOString() + " \u2013 " + new Date(end).toISOString());
          mark.appendChild(title);
          mark.addEventListener("click", function () {
            $("f-from").value = new Date(Math.floor(start)).toISOString();
            $("f-to").value = new Date(Math.ceil(end)).toISOString();
            $("f-host").value = host;
            applyFilters();
            document.getElementById("alerts").scrollIntoView();
          });
          chart.appendChild(mark);
        });
      });
      scroll.appendChild(chart);
      wrap.appendChild(scroll);
      fragment.appendChild(wrap);
    });
    if (hosts.length > MAX_HOSTS) {
      fragment.appendChild(el("p", "muted", (hosts.length - MAX_HOSTS) + " more hosts: filter by host to see one."));
    }
    box.replaceChildren(fragment);
  }
  $("timeline-help").textContent = "Alerts over time, one row per branch, for the alerts the filters keep (the " +
    MAX_HOSTS + " hosts with most alerts).";

  applyFilters();
})();
