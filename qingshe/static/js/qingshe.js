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
  // A row of tabs wider than a phone scrolls sideways: bring the current tab into view, else a
  // page reached through a later tab (盖章确认, 公益伙伴) shows its own tab cut off at the edge.
  function showCurrentTabs() {
    document.querySelectorAll(".tabs ul").forEach(function (ul) {
      var tab = ul.querySelector("a[aria-current=page]");
      if (!tab || ul.scrollWidth <= ul.clientWidth) { return; }
      var t = tab.getBoundingClientRect(), u = ul.getBoundingClientRect();
      if (t.left < u.left || t.right > u.right) {
        ul.scrollLeft += (t.left - u.left) - (u.width - t.width) / 2;
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showCurrentTabs);
  } else {
    showCurrentTabs();
  }
})();
