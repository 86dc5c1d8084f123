// Account administration pages: row-wise select in the permission matrix; reload the person list
// when the unit of a user changes (the CSP forbids inline scripts, so this lives here).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-qj-perm-row]")) {
      var row = box.closest("tr");
      row.querySelectorAll('input[name="permissions"]:not([disabled])').forEach(function (input) {
        input.checked = box.checked;
      });
    }
    if (box.id === "id_unit" && document.getElementById("id_person")) {
      // keep what was typed; the server offers the people of the chosen unit
      var params = new URLSearchParams();
      ["username", "full_name", "unit"].forEach(function (name) {
        var field = box.form.elements[name];
        if (field && !field.disabled && field.value) { params.set(name, field.value); }
      });
      window.location.search = "?" + params.toString();
    }
  });
  document.querySelectorAll("tr").forEach(function (row) {
    var toggle = row.querySelector("[data-qj-perm-row]");
    if (!toggle) { return; }
    var boxes = row.querySelectorAll('input[name="permissions"]');
    toggle.checked = boxes.length > 0 && Array.prototype.every.call(boxes, function (b) { return b.checked; });
  });
})();
// A plain confirm() for small inline POST buttons (e.g. revoking a token).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.dataset && button.dataset.qjConfirm && !window.confirm(button.dataset.qjConfirm)) {
    event.preventDefault();
  }
});
