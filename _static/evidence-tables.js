/* Filters and sorting for the reading tables (livingreview.analysis.display.ReadingTable).
 * Progressive: without this script, and in print, each table is whole and plain. Offline: no
 * library, no request. A row's details line (tr.row-details) moves and hides with its row.
 * The words (all, details, the count) come from the table's data-word-* attributes, which the
 * analysis writes in the edition's language. */
(function () {
  "use strict";

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var text = cell ? cell.textContent.replace(/\u2020/g, "").trim() : "";
    if (!numeric) { return text.toLocaleLowerCase(); }
    var number = parseFloat(text.replace(/[^0-9.\-]/g, ""));
    return isNaN(number) ? null : number;
  }

  function enhance(table, tableIndex) {
    var tbody = table.tBodies[0];
    var groups = [];
    Array.prototype.forEach.call(tbody.rows, function (row) {
      if (row.classList.contains("row-main")) {
        groups.push({ main: row, details: null, order: groups.length });
      } else if (row.classList.contains("row-details") && groups.length) {
        groups[groups.length - 1].details = row;
      }
    });
    var labels = JSON.parse(table.getAttribute("data-filters") || "[]");
    var words = table.dataset;
    var wrapper = table.closest(".reading-table-wrapper") || table;
    var bar = document.createElement("div");
    bar.className = "table-controls";
    var count = document.createElement("p");
    count.className = "table-count";
    count.setAttribute("aria-live", "polite");
    var selects = labels.map(function (label, k) {
      var values = [];
      groups.forEach(function (g) {
        var value = g.main.getAttribute("data-filter-" + k) || "";
        if (value && values.indexOf(value) < 0) { values.push(value); }
      });
      values.sort(function (a, b) { return a.localeCompare(b); });
      var id = "table-" + tableIndex + "-filter-" + k;
      var field = document.createElement("span");
      field.className = "table-filter";
      var name = document.createElement("label");
      name.setAttribute("for", id);
      name.textContent = label;
      var select = document.createElement("select");
      select.id = id;
      select.setAttribute("data-filter-index", String(k));
      var all = document.createElement("option");
      all.value = "";
      all.textContent = words.wordAll || "all";
      select.appendChild(all);
      values.forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value.length > 70 ? value.slice(0, 67) + "…" : value;
        option.title = value;
        select.appendChild(option);
      });
      select.addEventListener("change", apply);
      field.appendChild(name);
      field.appendChild(select);
      bar.appendChild(field);
      return select;
    });

    function apply() {
      var shown = 0;
      groups.forEach(function (g) {
        var keep = selects.every(function (select, k) {
          return !select.value || g.main.getAttribute("data-filter-" + k) === select.value;
        });
        g.main.hidden = !keep;
        if (g.details) { g.details.hidden = !keep; }
        if (keep) { shown += 1; }
      });
      var template = words.wordShown || "{shown} of {total} rows shown";
      count.textContent = template.replace("{shown}", shown).replace("{total}", groups.length);
    }

    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var numeric = th.getAttribute("data-sort") === "number";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.title = words.wordSort || "sort by this column";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        groups.sort(function (a, b) {
          var x = cellValue(a.main, index, numeric);
          var y = cellValue(b.main, index, numeric);
          // blanks last, whichever the direction; ties keep the data's order
          if (x === null || x === "") { return y === null || y === "" ? a.order - b.order : 1; }
          if (y === null || y === "") { return -1; }
          var c = numeric ? x - y : x.localeCompare(y);
          return (ascending ? c : -c) || a.order - b.order;
        });
        groups.forEach(function (g) {
          tbody.appendChild(g.main);
          if (g.details) { tbody.appendChild(g.details); }
        });
      });
    });
    if (labels.length) {
      bar.appendChild(count);
      wrapper.parentNode.insertBefore(bar, wrapper);
      apply();
    }
    table.classList.add("enhanced");
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.reading-table"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
