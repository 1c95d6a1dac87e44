// heapsight report: sortable and filterable tables. No network, no dependencies.
(function () {
  "use strict";
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
    return numeric ? parseFloat(raw) || 0 : raw.toLowerCase();
  }
  function sortBy(table, header, index) {
    var numeric = header.getAttribute("data-type") === "num";
    var ascending = !header.classList.contains("asc");
    table.querySelectorAll("th").forEach(function (th) { th.classList.remove("asc", "desc"); });
    header.classList.add(ascending ? "asc" : "desc");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (header, index) {
      header.addEventListener("click", function () { sortBy(table, header, index); });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { sortBy(table, header, index); }
      });
    });
  });
  document.querySelectorAll("input.filter").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    input.addEventListener("input", function () {
      var wanted = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var name = row.cells[0].textContent.toLowerCase();
        row.style.display = name.indexOf(wanted) === -1 ? "none" : "";
      });
    });
  });
  document.body.setAttribute("data-ready", "1");
}());
