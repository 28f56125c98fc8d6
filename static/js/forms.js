/* A form sent back with errors, or the page that tells what a form did: focus goes to what it says
   (the summary of errors, a refusal, a notice), so that a screen reader reads it first. No inline script: strict CSP.
   On "load": a page reached at an anchor (#contribuer) scrolls to it after the document is parsed, and Chromium then
   takes the focus back to the body. */
(function () {
    "use strict";
    function focusTarget() {
        var target = document.querySelector("[data-focus-on-load]");
        if (target) {
            target.focus();
        }
    }
    if (document.readyState === "complete") {
        focusTarget();
    } else {
        window.addEventListener("load", focusTarget);
    }
})();
