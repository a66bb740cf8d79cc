/* The calendar: drag an appointment onto another slot to move it. The server decides
   (a taken slot answers 409 and nothing moves); its answer is shown above the grid, outside
   the part the reload replaces, so it stays readable after the grid is redrawn.
   Keyboard users move appointments with the form on the appointment's page. */
(function () {
  "use strict";
  var dragged = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function say(text, ok) {
    var box = document.getElementById("fd-calendar-message");
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("fd-cal-message-ok", !!ok);
    box.classList.toggle("fd-cal-message-error", !ok);
  }

  function reload() {
    if (window.htmx) {
      window.htmx.ajax("GET", window.location.pathname + window.location.search, {
        target: "#fd-calendar",
        swap: "innerHTML"
      });
    } else {
      window.location.reload();
    }
  }

  document.addEventListener("dragstart", function (event) {
    var link = event.target.closest && event.target.closest("a.fd-appt[draggable='true']");
    if (!link) return;
    dragged = link;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", link.id);
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    document.querySelectorAll(".fd-drop-target").forEach(function (cell) {
      cell.classList.remove("fd-drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var cell = event.target.closest && event.target.closest("td[data-slot]");
    if (!cell || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("fd-drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var cell = event.target.closest && event.target.closest("td[data-slot]");
    if (cell) cell.classList.remove("fd-drop-target");
  });

  document.addEventListener("drop", function (event) {
    var cell = event.target.closest && event.target.closest("td[data-slot]");
    if (!cell || !dragged) return;
    event.preventDefault();
    cell.classList.remove("fd-drop-target");
    var table = cell.closest("table");
    var slot = cell.getAttribute("data-slot");
    var body = new URLSearchParams();
    body.set("starts_at", slot.slice(0, 16));
    body.set("offset", slot.slice(-6));
    body.set((table && table.getAttribute("data-by")) || "bay", cell.getAttribute("data-column"));
    var url = dragged.getAttribute("data-reschedule-url");
    dragged = null;
    say("Moving…", true);
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) {
          say(data.number + " moved.", true);
          reload();
        } else {
          say("Not moved: " + (data.detail || "the server refused."), false);
        }
      });
    }).catch(function () {
      say("Not moved: the server could not be reached.", false);
    });
  });
})();
