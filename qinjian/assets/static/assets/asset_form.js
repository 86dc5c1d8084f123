/* 资产卡片表单：按资产名称（和规格型号）推荐 GB/T 14885-2022 分类代码。 */
(function () {
  "use strict";
  var form = document.getElementById("qj-asset-form");
  if (!form) { return; }
  var url = form.getAttribute("data-classify-url");
  var nameInput = form.querySelector("[name=name]");
  var specInput = form.querySelector("[name=spec_model]");
  var codeInput = form.querySelector("[name=class_code]");
  var box = document.getElementById("qj-classify");
  var useBtn = document.getElementById("qj-classify-use");
  var conf = document.getElementById("qj-classify-conf");
  if (!url || !nameInput || !codeInput || !box || codeInput.disabled) { return; }
  var token = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var timer = null;
  var suggested = "";
  var lastQuery = "";

  function hide() { box.classList.add("d-none"); suggested = ""; }

  function ask() {
    var name = (nameInput.value || "").trim();
    var query = name + " " + ((specInput && specInput.value) || "").trim();
    if (!name) { hide(); return; }
    if (query === lastQuery) { return; }
    lastQuery = query;
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"},
      body: JSON.stringify({names: [query.trim()]})
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      var res = data && data.results && data.results[0];
      if (!res || !res.code) { hide(); return; }
      suggested = res.code;
      useBtn.textContent = res.code + " " + res.class_name;
      conf.textContent = "可信度 " + Math.round(res.confidence * 100) + "%" + (res.low_confidence ? "，请核对" : "");
      box.classList.remove("d-none");
      if (!codeInput.value || codeInput.getAttribute("data-auto") === "1") {
        codeInput.value = res.code;
        codeInput.setAttribute("data-auto", "1");
      }
    }).catch(hide);
  }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 450); }
  nameInput.addEventListener("input", later);
  if (specInput) { specInput.addEventListener("input", later); }
  codeInput.addEventListener("input", function () { codeInput.removeAttribute("data-auto"); });
  useBtn.addEventListener("click", function () {
    if (suggested) { codeInput.value = suggested; codeInput.removeAttribute("data-auto"); codeInput.focus(); }
  });
  if (nameInput.value && !codeInput.value) { ask(); }
})();
