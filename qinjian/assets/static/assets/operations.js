/* 资产业务单 form: move picked cards from the search results into the selected list and back. */
(function () {
  "use strict";
  var form = document.getElementById("qj-op-form");
  if (!form) { return; }
  var selected = document.getElementById("qj-op-selected");
  var candidates = document.getElementById("qj-op-candidates");
  var search = document.getElementById("qj-op-search");
  var count = document.getElementById("qj-op-count");

  function refresh() {
    var rows = selected.querySelectorAll("tr[data-asset]");
    if (count) { count.textContent = String(rows.length); }
    var none = selected.querySelector(".qj-op-none");
    if (none) { none.classList.toggle("d-none", rows.length > 0); }
  }

  function research() {
    if (search && window.htmx) { window.htmx.trigger(search, "search"); }
  }

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("qj-op-pick")) { return; }
    var row = box.closest("tr");
    if (!row) { return; }
    if (box.checked && candidates.contains(row)) {
      var input = row.querySelector(".qj-op-newvalue input");
      if (input) { input.disabled = false; }
      selected.insertBefore(row, selected.querySelector(".qj-op-none"));
      if (input) { input.focus(); }
    } else if (!box.checked && selected.contains(row)) {
      row.parentNode.removeChild(row);
      research();
    }
    refresh();
  });

  // Enter in the search box searches; it never submits the document.
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); research(); }
    });
  }

  // Another applicant unit: reload so that its people and cards are offered.
  var unit = document.getElementById("id_unit");
  var reload = form.getAttribute("data-reload-url");
  if (unit && reload && !unit.disabled) {
    unit.addEventListener("change", function () {
      window.location.href = reload + "&unit=" + encodeURIComponent(unit.value);
    });
  }
  refresh();
})();
