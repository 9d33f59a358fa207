/*
 * Hélice — facets of a filter form.
 *
 * A change of a filter control (class "facet-input": facet boxes, sort order)
 * is announced to its form as a "facetchange" event, which the form's htmx
 * trigger listens to. htmx could filter "change" events itself
 * (change[event.target.matches(...)]), but its filters are evaluated as code
 * (new Function), which the Content Security Policy refuses (no 'unsafe-eval').
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var control = event.target;
    if (!control || !control.matches || !control.matches(".facet-input") || !control.form) {
      return;
    }
    control.form.dispatchEvent(new CustomEvent("facetchange", { bubbles: false }));
  });
})();
