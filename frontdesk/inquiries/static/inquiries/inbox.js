/* The inquiry inbox, live: when the notification stream of the bell (htmx SSE) delivers
   a notification, the list reloads its rows (an htmx request for the rows partial). A
   file, not inline script: the Content-Security-Policy allows none. */
(function () {
  "use strict";
  document.addEventListener("htmx:sseMessage", function (event) {
    var detail = event.detail || {};
    if (detail.type !== "notification") return;
    var rows = document.getElementById("inquiry-rows");
    if (rows && window.htmx) window.htmx.trigger(rows, "fd:inquiries-refresh");
  });
})();
