/* LIS Evidence site: search, table sorting and compare. No dependencies; the pages work without it,
   except for these three. Data: window.SITE from data.js (a script, so it loads from file:// too). */
(function () {
  "use strict";
  var SITE = window.SITE || {areas: [], england: {}, indicators: []};
  var root = (document.querySelector('link[rel=stylesheet]').getAttribute("href") || "").replace(/assets\/site\.css$/, "");

  function norm(s) {
    return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/&/g, " and ").replace(/[^a-z0-9]+/g, " ").trim();
  }
  // edit distance between the query and the best-matching substring of the text (Sellers' algorithm)
  function fuzzy(q, t) {
    var prev = new Array(t.length + 1).fill(0), cur, i, j;
    for (i = 1; i <= q.length; i++) {
      cur = [i];
      for (j = 1; j <= t.length; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (q[i - 1] === t[j - 1] ? 0 : 1));
      }
      prev = cur;
    }
    return Math.min.apply(null, prev);
  }
  function search(query) {
    var q = norm(query), out = [];
    if (!q) return out;
    var allowed = q.length < 4 ? 0 : q.length < 8 ? 1 : 2;
    SITE.areas.forEach(function (a) {
      var name = norm(a.n), code = norm(a.c), score;
      if (name === q || code === q) score = 0;
      else if (name.indexOf(q) === 0) score = 1;
      else if (name.indexOf(q) >= 0 || code.indexOf(q) === 0) score = 2;
      else { var d = fuzzy(q, name); score = d <= allowed ? 3 + d : null; }
      if (score !== null) out.push([score, a]);
    });
    out.sort(function (x, y) { return x[0] - y[0] || (x[1].n < y[1].n ? -1 : x[1].n > y[1].n ? 1 : 0); });
    return out.slice(0, 30).map(function (x) { return x[1]; });
  }
  window.siteSearch = search;

  var box = document.getElementById("q"), list = document.getElementById("results");
  if (box && list) {
    var show = function () {
      list.textContent = "";
      search(box.value).forEach(function (a) {
        var li = document.createElement("li"), link = document.createElement("a"), tag = document.createElement("span");
        link.href = root + a.u; link.textContent = a.n;
        tag.className = "type"; tag.textContent = a.l;
        var code = document.createElement("span"); code.className = "code"; code.textContent = " " + a.c;
        li.appendChild(link); li.appendChild(tag); li.appendChild(code); li.className = "result";
        list.appendChild(li);
      });
      if (box.value.trim() && !list.children.length) {
        var none = document.createElement("li"); none.textContent = "No area matches."; list.appendChild(none);
      }
    };
    box.addEventListener("input", show);
    show();
  }

  // sortable tables: empty values (missing) always sort last
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.tabIndex = 0;
      var sort = function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var num = th.getAttribute("data-sort") === "num", body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (r) {
          var c = r.cells[col], v = c.hasAttribute("data-v") ? c.getAttribute("data-v") : c.textContent.trim();
          return num ? (v === "" ? null : parseFloat(v)) : (v === "" ? null : v.toLowerCase());
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === null || y === null) return (x === null) - (y === null);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  });

  // compare: ?a=type:code,type:code (or repeated a=), up to four areas
  var out = document.getElementById("compare-out");
  if (out) {
    var params = new URLSearchParams(window.location.search), chosen = [];
    params.getAll("a").forEach(function (v) { v.split(",").forEach(function (x) { if (x) chosen.push(x); }); });
    var byKey = {};
    SITE.areas.forEach(function (a) { byKey[a.t + ":" + a.c] = a; });
    var picked = chosen.map(function (k) { return byKey[k]; }).filter(Boolean).slice(0, 4);
    var select = document.getElementById("compare-select");
    Array.prototype.forEach.call(select.options, function (o) { o.selected = chosen.indexOf(o.value) >= 0; });
    document.getElementById("compare-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var vals = Array.prototype.filter.call(select.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; }).slice(0, 4);
      window.location.search = "?a=" + vals.map(encodeURIComponent).join(",");
    });
    var fmt = function (v, ind) {
      if (v === null || v === undefined) return "n/a";
      var s = v.toLocaleString("en-GB", {minimumFractionDigits: ind.d, maximumFractionDigits: ind.d});
      return ind.p + s + (ind.m ? "m" : "");
    };
    if (picked.length) {
      var t = document.createElement("table"); t.className = "data"; t.id = "compare-table";
      var head = t.createTHead().insertRow(), cell = document.createElement("th");
      cell.textContent = "Indicator"; head.appendChild(cell);
      picked.forEach(function (a) {
        var th = document.createElement("th"), link = document.createElement("a");
        link.href = a.u; link.textContent = a.n; th.appendChild(link);
        th.appendChild(document.createTextNode(" (" + a.l + ")")); th.className = "num"; head.appendChild(th);
      });
      var e = document.createElement("th"); e.textContent = "England"; e.className = "num"; head.appendChild(e);
      var body = t.createTBody();
      SITE.indicators.forEach(function (ind) {
        var r = body.insertRow(); r.insertCell().textContent = ind.l;
        picked.forEach(function (a) {
          var c = r.insertCell(); c.className = "num";
          c.textContent = fmt(a.v[ind.k], ind) + (a.y[ind.k] ? " (" + a.y[ind.k] + ")" : "");
        });
        var c = r.insertCell(); c.className = "num"; c.textContent = fmt(SITE.england[ind.k], ind);
      });
      out.appendChild(t);
      if (picked.length < 2) {
        var p = document.createElement("p"); p.textContent = "Choose at least one more area to compare."; out.appendChild(p);
      }
    }
  }
})();
