// The bell's unread count: fetched through htmx once the page has loaded and every minute while
// the tab is visible. Done here rather than with hx-trigger attributes so that the pages' own
// polling (and the tests that check a finished page no longer polls) stay their own.
(function () {
  "use strict";
  function refresh() {
    var bell = document.getElementById("notification-bell");
    if (!bell || !window.htmx || !bell.dataset.bellUrl) {
      return;
    }
    window.htmx.ajax("GET", bell.dataset.bellUrl, { target: bell, swap: "outerHTML" });
  }
  document.addEventListener("DOMContentLoaded", function () {
    refresh();
    window.setInterval(function () {
      if (!document.hidden) {
        refresh();
      }
    }, 60000);
  });
})();
