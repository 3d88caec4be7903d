// The authoring pages: "Mark the selection" copies the selected range of the original abstract
// into the passage fields, counted in characters (code points) as the server counts them.
(function () {
  "use strict";
  document.querySelectorAll("[data-passage-mark]").forEach(function (button) {
    var form = button.closest("form");
    var source = form && form.querySelector("[data-passage-source]");
    var status = button.parentNode.querySelector("[data-passage-status]");
    if (!source) return;
    button.addEventListener("click", function () {
      var text = source.value;
      var start = Array.from(text.slice(0, source.selectionStart)).length;
      var end = Array.from(text.slice(0, source.selectionEnd)).length;
      if (end <= start) {
        if (status) status.textContent = "Select the results passage in the abstract first.";
        return;
      }
      form.querySelector("[name=passage_start]").value = start;
      form.querySelector("[name=passage_end]").value = end;
      if (status) status.textContent = "Marked characters " + start + " to " + end + ".";
    });
  });
})();
