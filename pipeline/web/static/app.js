// A little plain JavaScript; every page works without it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    // Irreversible steps (merge, move, return) ask once more.
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var back = event.target.closest("[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
      return;
    }
    // A scanned page: click to see it at full width, click again to shrink.
    var page = event.target.closest(".page-image");
    if (page) {
      page.classList.toggle("zoomed");
    }
  });
  // A form sent once: a double click must not record a step twice.
  document.addEventListener("submit", function (event) {
    var buttons = event.target.querySelectorAll("button[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
