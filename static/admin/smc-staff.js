/* Staff queue and message page: keyboard shortcuts (every one also has a button or link), canned
   answers, and the presence heartbeat (one request per heartbeat at most, none while hidden). */
(function () {
  "use strict";

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function help() {
    var dialog = document.getElementById("shortcut-help");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.querySelectorAll("[data-help]").forEach(function (button) { button.addEventListener("click", help); });

  // --- the queue ---
  var rows = Array.prototype.slice.call(document.querySelectorAll("#result_list tbody tr"));
  var current = -1;

  // The preview pane, on wide screens: one request per chosen row, the last one wins.
  var pane = document.getElementById("queue-preview");
  var split = pane && pane.parentNode;
  var wide = window.matchMedia("(min-width: 1200px)");
  var asked = null;

  function closePreview() {
    if (!pane) { return; }
    pane.hidden = true;
    pane.textContent = "";
    split.classList.remove("previewing");
    asked = null;
  }

  function preview(row) {
    var url = row && row.getAttribute("data-preview");
    if (!pane || !url || !wide.matches || url === asked) { return; }
    asked = url;
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || asked !== url) { return; }
        pane.innerHTML = html;  // rendered and escaped by the server's template
        pane.hidden = false;
        split.classList.add("previewing");
        var close = pane.querySelector("[data-preview-close]");
        if (close) { close.addEventListener("click", closePreview); }
      }).catch(function () { return null; });
  }

  function select(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (row, n) { row.classList.toggle("kb-current", n === current); });
    var link = rows[current].querySelector(".field-excerpt a");
    if (link) { link.focus(); }
    preview(rows[current]);
  }

  rows.forEach(function (row, n) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, input, button, label, select")) { return; }
      select(n);
    });
  });

  function claimCurrent() {
    var form = document.getElementById("changelist-form");
    if (!form || current < 0) { return; }
    rows.forEach(function (row, n) {
      var box = row.querySelector("input.action-select");
      if (box) { box.checked = n === current; }
    });
    var action = form.querySelector("select[name=action]");
    if (action) { action.value = "action_claim"; form.submit(); }
  }

  // The bulk-action bar shows only the values the chosen action needs (one line, not three).
  var NEEDS = {action_assign_person: ["assignee"], action_assign: ["division", "note"],
               action_status: ["to_status", "note"], action_set_labels: ["type", "topic"]};
  var actionSelect = document.querySelector("#changelist-form select[name=action]");

  function showActionFields() {
    var needed = NEEDS[actionSelect.value] || [];
    document.querySelectorAll("#changelist-form .actions label").forEach(function (label) {
      var field = label.querySelector("select, input");
      if (!field || field.name === "action") { return; }
      label.hidden = needed.indexOf(field.name) < 0;
    });
  }
  if (actionSelect) {
    actionSelect.addEventListener("change", showActionFields);
    showActionFields();
  }

  // --- the message page ---
  var detail = document.getElementById("message-detail");
  var text = document.getElementById("id_text");

  document.querySelectorAll(".canned-item").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!text) { return; }
      text.value = button.getAttribute("data-text");
      text.focus();
      text.dispatchEvent(new Event("input"));
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = event.key;
    if (key === "?") { help(); event.preventDefault(); return; }
    if (key === "/") {
      var search = document.getElementById("searchbar");
      if (search) { search.focus(); event.preventDefault(); }
      return;
    }
    if (rows.length) {
      if (key === "Escape") { closePreview(); return; }
      if (key === "j") { select(current + 1); event.preventDefault(); }
      else if (key === "k") { select(current - 1); event.preventDefault(); }
      else if (key === "Enter" && current >= 0) {
        var link = rows[current].querySelector(".field-excerpt a");
        if (link) { window.location.href = link.href; event.preventDefault(); }
      } else if (key === "a") { claimCurrent(); event.preventDefault(); }
      return;
    }
    if (detail) {
      if (key === "r" && text) { text.focus(); event.preventDefault(); }
      else if (key === "t") {
        var target = document.getElementById("id_division");
        if (target) { target.scrollIntoView({block: "center"}); target.focus(); event.preventDefault(); }
      } else if (key === "a") {
        var claim = document.getElementById("claim-form");
        if (claim) { claim.submit(); event.preventDefault(); }
      }
    }
  });

  // --- presence: "who else has this message open, who is writing" ---
  if (!detail) { return; }
  var url = detail.getAttribute("data-presence-url");
  var every = (parseInt(detail.getAttribute("data-heartbeat"), 10) || 15) * 1000;
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var box = document.getElementById("presence");
  var wrote = false;
  if (text) { text.addEventListener("input", function () { wrote = true; }); }

  function send(state, keepalive) {
    if (!tokenInput) { return Promise.resolve(null); }
    var body = new URLSearchParams({state: state});
    return fetch(url, {method: "POST", body: body, credentials: "same-origin", keepalive: !!keepalive,
                       headers: {"X-CSRFToken": tokenInput.value}})
      .then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }

  function show(data) {
    if (!data || !box) { return; }
    box.textContent = "";
    data.others.forEach(function (o) {
      var span = document.createElement("span");
      span.className = "presence-item presence-" + o.state;
      span.textContent = o.name + " 님이 " + o.label;
      box.appendChild(span);
    });
    if (data.answered && document.getElementById("answer-form")) {
      var note = document.createElement("span");
      note.className = "presence-item presence-writing";
      note.textContent = "다른 담당자가 이미 답변을 등록했습니다. 화면을 새로 고쳐 확인하세요.";
      box.appendChild(note);
    }
  }

  function beat() {
    if (document.visibilityState === "visible") {
      var writing = text && (wrote || document.activeElement === text) && text.value.trim() !== "";
      wrote = false;
      send(writing ? "writing" : "viewing").then(show);
    }
    window.setTimeout(beat, every);
  }
  window.setTimeout(beat, every);
  window.addEventListener("pagehide", function () { send("gone", true); });
})();
