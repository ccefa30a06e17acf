// Qingshe: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // A form submitted once cannot be submitted again while the page is loading (double taps).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-get") || form.hasAttribute("hx-post")) { return; }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  // After htmx swaps in new content, move focus to its first error so screen readers hear it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var error = event.detail.target.querySelector("[role=alert]");
    if (error) { error.setAttribute("tabindex", "-1"); error.focus(); }
  });
})();
