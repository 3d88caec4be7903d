// Trial page: reveals the sliders (no thumb until touched), measures the client-side response
// time and how often the page lost focus. Without JavaScript the number inputs remain and the
// server gets no client measures. Nothing here depends on the item or on the answer.
(function () {
  "use strict";
  var form = document.getElementById("trial-form");
  if (!form) { return; }
  // Every trial's form starts as the server sent it: empty, or the participant's own answer
  // shown again after an error. A browser that restored another history entry's answers into
  // it (the form also says autocomplete="off") is undone here, and a page brought back whole
  // from the back/forward cache is fetched again, so the server shows the current trial.
  form.reset();
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });
  var started = performance.now();
  var blurs = 0;
  var away = false;
  var message = form.querySelector("[data-message]");
  // The page's words, in the study's language, come from the form's data attributes.
  var words = form.dataset;
  // The script checks the answers itself and says what is missing in one message.
  form.noValidate = true;

  function leave() { if (!away) { away = true; blurs += 1; } }
  function back() { away = false; }
  window.addEventListener("blur", leave);
  window.addEventListener("focus", back);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { leave(); } else { back(); }
  });
  form.querySelector("[data-blur]").value = "0";

  var sliders = Array.prototype.map.call(form.querySelectorAll("[data-slider]"), function (box) {
    var number = box.querySelector(".slider-number");
    var range = box.querySelector("[data-slider-input]");
    var output = box.querySelector("[data-slider-output]");
    var moved = box.querySelector("[data-moved]");
    var label = box.querySelector(".question-label");
    // The slider replaces the number box; the number box keeps the submitted name. A value the
    // server sent back (the page shown again after an error) is the participant's own answer.
    var kept = parseInt(number.value, 10);
    var keptMoved = moved.value;
    number.type = "hidden";
    number.removeAttribute("required");
    number.value = "";
    box.querySelector(".slider-row").hidden = false;
    box.querySelector("#" + number.name + "-scale").hidden = false;
    box.querySelector("#" + number.name + "-hint").hidden = true;
    label.setAttribute("for", range.id);
    moved.value = "0";
    // Screen readers would otherwise announce the hidden starting value as an answer.
    range.setAttribute("aria-valuetext", words.notSet);
    var middle = String((parseInt(range.min, 10) + parseInt(range.max, 10)) >> 1);
    range.value = middle;
    function touch() {
      range.setAttribute("data-touched", "");
      range.removeAttribute("aria-valuetext");
      number.value = range.value;
      moved.value = "1";
      output.textContent = words.yourAnswer + " " + range.value;
    }
    // The first arrow or page key on a slider not set yet shows its starting point as the
    // answer instead of moving past it unseen; the next keys move from the value on screen.
    range.addEventListener("keydown", function (event) {
      var keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown"];
      if (range.hasAttribute("data-touched") || keys.indexOf(event.key) < 0) { return; }
      event.preventDefault();
      range.value = middle;
      touch();
    });
    if (kept >= 1 && kept <= 100) {
      range.value = String(kept);
      touch();
      moved.value = keptMoved || "1";
    }
    range.addEventListener("input", touch);
    range.addEventListener("change", touch);
    range.addEventListener("pointerdown", function () { range.addEventListener("pointerup", touch, { once: true }); });
    return { number: number, range: range, label: label };
  });

  var submitting = false;
  form.addEventListener("submit", function (event) {
    var missing = [];
    if (!form.querySelector("input[name=choice]:checked")) { missing.push({ text: words.missingChoice, el: form.querySelector("input[name=choice]") }); }
    sliders.forEach(function (s) {
      if (!s.number.value) { missing.push({ text: s.label.getAttribute("data-short"), el: s.range }); }
    });
    if (!form.querySelector("input[name=recognised]:checked")) { missing.push({ text: words.missingRecognised, el: form.querySelector("input[name=recognised]") }); }
    if (missing.length || submitting) {
      event.preventDefault();
      if (missing.length) {
        message.textContent = words.missing.replace(
          "{items}", missing.map(function (m) { return m.text; }).join(words.separator));
        missing[0].el.focus();
      }
      return;
    }
    submitting = true;
    form.querySelector("[data-rt]").value = String(Math.round(performance.now() - started));
    form.querySelector("[data-blur]").value = String(blurs);
    form.querySelector("button[type=submit]").setAttribute("disabled", "");
  });
}());
