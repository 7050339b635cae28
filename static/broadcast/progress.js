// Live progress of a broadcast: polls the JSON endpoint and updates the bar and the table.
// A static file (the Content-Security-Policy forbids inline scripts).
(function () {
  "use strict";
  var section = document.querySelector(".bc-progress");
  if (!section) { return; }
  var url = section.getAttribute("data-progress-url");
  var bar = document.getElementById("bc-bar");
  var counts = document.getElementById("bc-counts");
  var rows = document.getElementById("bc-rows");
  var heading = document.getElementById("bc-state");

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  function render(data) {
    bar.max = data.total || 1;
    bar.value = data.delivered + data.failed + data.manual;
    bar.textContent = data.delivered + "/" + data.total;
    counts.textContent = "발신 " + data.delivered + " · 실패 " + data.failed + " · 수동 게시 필요 " + data.manual +
      " · 대기 " + data.pending +
      " — " + data.phrase;
    var body = document.createDocumentFragment();
    data.deliveries.forEach(function (d) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-id", d.id);
      tr.appendChild(cell(d.account));
      tr.appendChild(cell(d.platform));
      tr.appendChild(cell(d.state_label, "bc-d-" + d.state));
      tr.appendChild(cell(String(d.attempts)));
      var note = cell((d.needs_reauth ? "계정 재인증 필요. " : "") + (d.error || ""));
      if (d.manual_text) {
        // The platform's API cannot post it: the text, ready for a person to post by hand.
        var details = document.createElement("details");
        details.className = "bc-manual";
        var summary = document.createElement("summary");
        summary.textContent = "게시할 글 (직접 게시)";
        var pre = document.createElement("pre");
        pre.className = "bc-text";
        pre.textContent = d.manual_text;
        details.appendChild(summary);
        details.appendChild(pre);
        note.appendChild(details);
      }
      tr.appendChild(note);
      body.appendChild(tr);
    });
    rows.replaceChildren(body);
    if (heading) {
      // "발신 중 17/34" follows to "발신 완료 34/34" (or the failures) without a reload.
      heading.textContent = data.heading;
      heading.className = "bc-state bc-" + data.state;
    }
    section.setAttribute("data-state", data.state);
    section.setAttribute("data-pending", String(data.pending));
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        render(data);
        setTimeout(poll, data.pending > 0 ? 1000 : 5000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
