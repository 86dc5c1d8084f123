/* 资产卡片列表：勾选若干张卡片后“打印所选标签”。列表由 HTMX 局部刷新，故用事件委托。 */
(function () {
  "use strict";
  var button = document.getElementById("qj-print-picked");
  if (!button) { return; }
  var base = button.getAttribute("data-base");
  var picked = {};

  function refresh() {
    var ids = Object.keys(picked);
    document.getElementById("qj-picked-count").textContent = String(ids.length);
    button.classList.toggle("d-none", ids.length === 0);
    button.setAttribute("href", base + "&ids=" + ids.join(","));
  }

  function restore() {
    document.querySelectorAll(".qj-asset-pick").forEach(function (box) {
      box.checked = Object.prototype.hasOwnProperty.call(picked, box.value);
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("qj-asset-pick")) { return; }
    if (box.checked) { picked[box.value] = true; } else { delete picked[box.value]; }
    refresh();
  });
  document.body.addEventListener("htmx:afterSwap", restore);
  refresh();
})();
