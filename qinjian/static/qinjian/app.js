// Qinjian page behaviour (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  // CSRF token for HTMX requests comes from the <meta name="csrf-token"> tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
    // GET filters: drop empty parameters so pushed URLs stay short and shareable.
    if (event.detail.verb === "get" && event.detail.formData) {
      var empty = [];
      event.detail.formData.forEach(function (value, key) { if (value === "") { empty.push(key); } });
      empty.forEach(function (key) {
        var kept = event.detail.formData.getAll(key).filter(function (v) { return v !== ""; });
        event.detail.formData.delete(key);
        kept.forEach(function (v) { event.detail.formData.append(key, v); });
      });
    }
  });
  // Confirmation dialogs: <form data-confirm="..."> or <button data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm") || (event.submitter && event.submitter.getAttribute("data-confirm"));
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
  // Auto-submit selects in filter bars and role switcher.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-autosubmit]")) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); }
  });
  // Select-all checkbox for column chooser and bulk tables.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-check-all]");
    if (!el) return;
    var scope = document.querySelector(el.getAttribute("data-check-all"));
    if (scope) scope.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = el.checked; });
  });
  // Buttons that act on the filtered list (e.g. print labels) follow filters changed through HTMX.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-keep-query]");
    if (!link) return;
    var url = new URL(link.getAttribute("data-keep-query"), window.location.origin);
    new URLSearchParams(window.location.search).forEach(function (value, key) {
      if (["page", "sort", "per_page", "export"].indexOf(key) < 0 && !url.searchParams.has(key)) { url.searchParams.append(key, value); }
    });
    link.href = url.pathname + url.search;
  });
})();
