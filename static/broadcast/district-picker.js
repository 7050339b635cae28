// The district map beside the checkboxes: a click, Space or Enter on a district toggles its checkbox;
// ticking a checkbox colours the map. The checkboxes stay the form's only inputs.
(function () {
  "use strict";
  document.querySelectorAll(".bc-area-picker").forEach(function (picker) {
    function box(code) { return picker.querySelector('input[type=checkbox][value="' + code + '"]'); }
    function paint() {
      picker.querySelectorAll(".bc-district").forEach(function (shape) {
        var input = box(shape.getAttribute("data-code"));
        shape.setAttribute("aria-checked", input && input.checked ? "true" : "false");
      });
    }
    function toggle(shape) {
      var input = box(shape.getAttribute("data-code"));
      if (!input) { return; }
      input.checked = !input.checked;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    picker.querySelectorAll(".bc-district").forEach(function (shape) {
      shape.addEventListener("click", function () { toggle(shape); });
      shape.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter") { event.preventDefault(); toggle(shape); }
      });
    });
    picker.addEventListener("change", paint);
    paint();
  });
})();
