/* The Kanban board: drag a card onto another column to move the lead. The move is the
   same service call as the card's move form (POST to its data-move-url with the stage),
   answered in JSON; the board reloads afterwards so counts and order are the server's. */
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
    var box = document.getElementById("fd-board-message");
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("fd-ok", !!ok);
    box.classList.toggle("fd-error", !ok);
  }

  function column(target) {
    return target && target.closest ? target.closest(".fd-kanban-column") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".fd-kanban-card[draggable='true']");
    if (!card) return;
    dragged = card;
    card.classList.add("fd-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("fd-dragging");
    dragged = null;
    document.querySelectorAll(".fd-drop-target").forEach(function (el) {
      el.classList.remove("fd-drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var col = column(event.target);
    if (!col || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    col.classList.add("fd-drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var col = column(event.target);
    if (col && !col.contains(event.relatedTarget)) col.classList.remove("fd-drop-target");
  });

  document.addEventListener("drop", function (event) {
    var col = column(event.target);
    if (!col || !dragged) return;
    event.preventDefault();
    col.classList.remove("fd-drop-target");
    var card = dragged;
    dragged = null;
    if (card.closest(".fd-kanban-column") === col) return;
    var body = new URLSearchParams();
    body.set("stage", col.getAttribute("data-stage"));
    say("Moving…", true);
    fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          say(result.data.detail || "The lead could not be moved.", false);
          return;
        }
        var empty = col.querySelector(".fd-kanban-empty");
        if (empty) empty.remove();
        col.insertBefore(card, col.querySelector(".fd-kanban-card") || null);
        var select = card.querySelector("select[name='stage']");
        if (select) select.value = result.data.stage;
        say(result.data.detail, true);
      })
      .catch(function () {
        say("The lead could not be moved (network error).", false);
      });
  });
})();
