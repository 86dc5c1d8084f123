// 编制调整申请: when the unit is changed, fill the three quota fields with that unit's current quotas
// (carried on the chosen option as data-quota-admin / -institution / -worker). No inline JS (CSP).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-qj-quota-source]")) { return; }
    var option = select.options[select.selectedIndex];
    if (!option || !option.value || !select.form) { return; }
    select.form.querySelectorAll("input[data-qj-quota]").forEach(function (input) {
      var value = option.getAttribute("data-" + input.getAttribute("data-qj-quota").replace(/_/g, "-"));
      if (value !== null) {
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
  });
})();
