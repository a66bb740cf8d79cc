/* Frontdesk: the little the layout needs beyond HTML and CSS. Loaded as a file
   (the Content-Security-Policy allows no inline script). */
(function () {
  "use strict";
  document.documentElement.classList.add("fd-js");

  function setUp() {
    // The phone menu: the button shows and hides the navigation.
    document.querySelectorAll(".fd-menu-toggle").forEach(function (button) {
      var nav = document.getElementById(button.getAttribute("aria-controls"));
      if (!nav) return;
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", String(open));
        nav.classList.toggle("fd-open", open);
      });
    });
    // Buttons that ask before they act: <button data-confirm="Deactivate ...?">
    document.addEventListener("submit", function (event) {
      var button = event.submitter;
      var question = button && button.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
