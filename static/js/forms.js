/* A form sent back with errors, or the page that tells what a form did: focus goes to what it says
   (the summary of errors, a refusal, a notice), so that a screen reader reads it first. No inline script: strict CSP. */
(function () {
    "use strict";
    var target = document.querySelector("[data-focus-on-load]");
    if (target) {
        target.focus();
    }
})();
