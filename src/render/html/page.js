(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  // A large run's closed sections and overview pages hold their content
  // in a <noscript>, read as text while the page loads: it becomes their
  // content when they are opened.
  var expand = function (details) {
    var held = details.querySelector("noscript");
    if (held) {
      held.insertAdjacentHTML("afterend", held.textContent);
      held.parentNode.removeChild(held);
      each(details.querySelectorAll("table.overview"), sortable);
    }
  };
  document.addEventListener("toggle", function (e) {
    if (e.target.open) { expand(e.target); }
  }, true);
  // A link into a page not yet opened: open the page, and the section.
  var reveal = function (id) {
    if (!id || document.getElementById(id)) { return document.getElementById(id); }
    each(document.querySelectorAll("details.page"), function (page) {
      var held = page.querySelector("noscript");
      if (held && held.textContent.indexOf('id="' + id + '"') >= 0) { page.open = true; expand(page); }
    });
    return document.getElementById(id);
  };
  var follow = function (id) {
    var target = reveal(id);
    if (!target) { return; }
    for (var d = target.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) { d.open = true; }
    target.scrollIntoView();
  };
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[href^='#']");
    if (link) { follow(decodeURIComponent(link.getAttribute("href").slice(1))); }
  });
  if (location.hash) { follow(decodeURIComponent(location.hash.slice(1))); }
  var tools = document.getElementById("tools");
  function key(cell) { return cell ? cell.textContent.trim() : ""; }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }
  // The overview, page by page: sorting and filtering work across every
  // page, each page keeping its size.
  var pages = function () {
    each(document.querySelectorAll("details.page"), expand);
    return Array.prototype.map.call(document.querySelectorAll("table.overview"), function (t) { return t.tBodies[0]; });
  };
  var rows = function (bodies) {
    var all = [];
    bodies.forEach(function (b) { each(b.rows, function (r) { all.push(r); }); });
    return all;
  };
  var sort = function (column, ascending) {
    var bodies = pages();
    var sizes = bodies.map(function (b) { return b.rows.length; });
    each(document.querySelectorAll("table.overview"), function (t) {
      each(t.tHead.rows[0].cells, function (th, i) {
        th.setAttribute("aria-sort", i === column ? (ascending ? "ascending" : "descending") : "none");
      });
    });
    var all = rows(bodies);
    var keys = all.map(function (row) { return key(row.cells[column]); });
    var order = all.map(function (_, i) { return i; });
    order.sort(function (i, j) { var c = compare(keys[i], keys[j]); return (ascending ? c : -c) || i - j; });
    var at = 0;
    bodies.forEach(function (b, page) {
      var fragment = document.createDocumentFragment();
      for (var n = 0; n < sizes[page]; n += 1, at += 1) { fragment.appendChild(all[order[at]]); }
      b.appendChild(fragment);
    });
  };
  function sortable(table) {
    each(table.tHead.rows[0].cells, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        sort(column, th.getAttribute("aria-sort") !== "ascending");
      });
    });
  }
  var tables = document.querySelectorAll("table.overview");
  if (tables.length > 0 && tools) {
    tools.hidden = false;
    each(tables, sortable);
    var filter = document.getElementById("filter");
    var problems = document.getElementById("only-problems");
    var shown = document.getElementById("shown");
    var apply = function () {
      var words = filter.value.toLowerCase();
      var only = problems.checked;
      var all = rows(pages());
      var count = 0;
      all.forEach(function (row) {
        var hide = (only && row.getAttribute("data-problems") === "0") ||
          (words !== "" && row.cells[0].textContent.toLowerCase().indexOf(words) < 0);
        row.hidden = hide;
        if (!hide) { count += 1; }
      });
      shown.textContent = count + " of " + all.length + " returns shown";
    };
    filter.addEventListener("input", apply);
    problems.addEventListener("change", apply);
  }
  var toggles = document.getElementById("toggles");
  if (toggles) {
    toggles.hidden = false;
    var set = function (open) {
      each(document.querySelectorAll("details.page"), function (d) { if (open) { d.open = true; expand(d); } });
      each(document.querySelectorAll("details.ret"), function (d) { d.open = open; });
    };
    document.getElementById("open-all").addEventListener("click", function () { set(true); });
    document.getElementById("close-all").addEventListener("click", function () { set(false); });
  }
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; expand(d); });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
}());
