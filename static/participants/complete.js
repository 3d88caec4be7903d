// The completion page: a copy button for the code, and the automatic return to the recruitment
// site where the study has a completion URL. Both are additions to what the page already offers
// without a script (the code in plain text, the return link).
(function () {
  "use strict";

  function setUpCopy() {
    var button = document.getElementById("copy-code");
    var status = document.getElementById("copy-status");
    if (!button || !status) return;
    var code = document.getElementById(button.getAttribute("data-copy-target"));
    if (!code || !navigator.clipboard) return; // no clipboard access: the code stays selectable
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent.trim()).then(
        function () { status.textContent = button.dataset.copied; },
        function () { status.textContent = button.dataset.copyFailed; }
      );
    });
  }

  function setUpReturn() {
    var box = document.getElementById("return");
    var link = document.getElementById("return-link");
    var status = document.getElementById("return-status");
    var stay = document.getElementById("return-stay");
    if (!box || !link || !status || !stay) return;
    var seconds = parseInt(box.getAttribute("data-return-seconds"), 10);
    if (!(seconds > 0)) return; // a participant back on a finished study is not sent away
    // Time enough to read the page and copy the code, and a way to stop it (WCAG 2.2.1).
    stay.hidden = false;
    // The page's words, in the study's language, come from the box's data attributes.
    status.textContent = box.dataset.leaving.replace("{seconds}", String(seconds));
    var timer = window.setTimeout(function () { window.location.assign(link.href); }, seconds * 1000);
    stay.addEventListener("click", function () {
      window.clearTimeout(timer);
      stay.hidden = true;
      status.textContent = box.dataset.staying;
    });
  }

  setUpCopy();
  setUpReturn();
})();
