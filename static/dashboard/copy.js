// Copy buttons: <button data-copy="ID"> copies the value of the input with that id. Without
// the clipboard API (an http:// page other than localhost) the text is selected instead.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = button.parentNode.querySelector(".copy-status");
    if (!source) return;
    button.addEventListener("click", function () {
      function say(text) { if (status) status.textContent = text; }
      source.select();
      // Said at once: the clipboard may never answer (a permission prompt left open).
      say("Selected: press Ctrl+C (Cmd+C) if it is not copied.");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(
          function () { say("Copied."); },
          function () { say("Selected: press Ctrl+C (Cmd+C) to copy."); }
        );
      }
    });
  });
})();
