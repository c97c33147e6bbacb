"use strict";
// Filtering and sorting only; the page is complete without it. Nothing is fetched.
(function () {
  var doc = document;
  function all(sel, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(sel)); }

  // Status pills filter the clause table and the clause evidence.
  var active = null;
  all(".pill[data-filter]").forEach(function (pill) {
    pill.addEventListener("click", function () {
      active = active === pill.dataset.filter ? null : pill.dataset.filter;
      all(".pill").forEach(function (p) { p.classList.toggle("active", p.dataset.filter === active); });
      all("#clause-table tbody tr, details.clause").forEach(function (row) {
        row.classList.toggle("hidden", active !== null && row.dataset.status !== active);
      });
    });
  });

  // Click a header to sort; cells may carry their own key in data-sort.
  function key(cell) {
    var raw = cell ? (cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent) : "";
    var num = parseFloat(raw);
    return isNaN(num) || String(num) !== raw.trim() ? { n: null, s: raw.trim().toLowerCase() } : { n: num, s: "" };
  }
  all("table.sortable").forEach(function (table) {
    all("thead th", table).forEach(function (th, col) {
      th.addEventListener("click", function () {
        var dir = th.dataset.dir === "asc" ? "desc" : "asc";
        all("thead th", table).forEach(function (h) { delete h.dataset.dir; });
        th.dataset.dir = dir;
        var body = table.tBodies[0];
        var rows = all("tr", body);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          var c = x.n !== null && y.n !== null ? x.n - y.n : (x.s < y.s ? -1 : x.s > y.s ? 1 : 0);
          return dir === "asc" ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // Findings: minimum severity and free-text search.
  var ranks = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
  var sev = doc.getElementById("sev-filter"), search = doc.getElementById("finding-search");
  function filterFindings() {
    var min = sev && sev.value ? ranks[sev.value] : -1;
    var text = search ? search.value.trim().toLowerCase() : "";
    all("#findings-table tbody tr").forEach(function (row) {
      var ok = ranks[row.dataset.severity] >= min && (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
      row.classList.toggle("hidden", !ok);
    });
  }
  if (sev) { sev.addEventListener("change", filterFindings); }
  if (search) { search.addEventListener("input", filterFindings); }

  // Following a link to a closed clause or component opens it.
  function openTarget() {
    var target = location.hash ? doc.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  doc.documentElement.dataset.js = "ready";
})();
