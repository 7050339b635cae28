/* Accessible names for the form controls that Django's admin and its add-ons draw without one:
   split date/time fields, tabular inlines and editable list columns (named by their column header),
   select2 boxes (named by their field's label) and the filter widget's search icon. Runs again when
   the page adds controls (a new inline row, select2 starting up). */
(function () {
  "use strict";

  function clean(el) {
    return ((el && el.textContent) || "").replace(/\s+/g, " ").replace(/[:*\s]+$/, "").trim();
  }

  function hasName(el) {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.closest("label")) { return true; }
    return !!(el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
  }

  function rowLabel(el) {
    var row = el.closest(".form-row, .fieldBox");
    return row ? clean(row.querySelector("label")) : "";
  }

  function columnHeader(cell) {
    var table = cell.closest("table");
    if (!table) { return ""; }
    var index = Array.prototype.indexOf.call(cell.parentNode.children, cell);
    var headers = table.querySelectorAll("thead tr:last-child > th");
    return clean(headers[index]);
  }

  function name(root) {
    root.querySelectorAll("p.datetime input").forEach(function (input) {
      if (hasName(input)) { return; }
      var part = /_1$/.test(input.id) ? "시각" : "날짜";
      input.setAttribute("aria-label", (rowLabel(input) + " " + part).trim());
    });
    root.querySelectorAll("td input:not([type=hidden]), td select, td textarea").forEach(function (input) {
      if (hasName(input)) { return; }
      var header = columnHeader(input.closest("td"));
      var row = input.closest("tr");
      var number = row ? Array.prototype.indexOf.call(row.parentNode.children, row) + 1 : 0;
      if (header) { input.setAttribute("aria-label", header + (number ? " (" + number + "번째 줄)" : "")); }
    });
    root.querySelectorAll(".select2-selection[role=combobox], .select2-selection__rendered[role=textbox]")
      .forEach(function (box) {
        if (box.getAttribute("aria-label")) { return; }
        var container = box.closest(".select2");
        var select = container && container.previousElementSibling;
        var label = select && select.id && document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
        var text = label ? clean(label) : (select ? columnHeader(select.closest("td") || select) : "");
        if (text) { box.setAttribute("aria-label", text); }
      });
    root.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  var pending = false;
  function later() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; name(document); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    name(document);
    new MutationObserver(later).observe(document.body, {childList: true, subtree: true});
  });
  window.addEventListener("load", function () { name(document); });
})();
