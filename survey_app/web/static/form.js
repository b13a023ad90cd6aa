// Progressive enhancement for the questionnaire: hide questions that do not apply
// (for example hours of work when the answer to "in paid work now?" is no).
// Without JavaScript every question is shown, with a note saying when it applies.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // After a submission with problems, take the person (and their screen reader) straight to
  // the list of problems instead of leaving them at the top of an apparently unchanged page.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  var form = document.querySelector("form.questionnaire");
  if (!form) return;
  var dependents = form.querySelectorAll("[data-shown-if]");
  function currentValue(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }
  function update() {
    dependents.forEach(function (fieldset) {
      var show = currentValue(fieldset.dataset.shownIf) === fieldset.dataset.equals;
      fieldset.hidden = !show;
      // A hidden question must not send a stale answer.
      fieldset.querySelectorAll("input").forEach(function (input) { input.disabled = !show; });
    });
  }
  form.addEventListener("change", update);
  update();
})();
