/* Hand counts: one tap sends once. The hidden idempotency key already makes a double tap count once;
   this only stops the second request from leaving the phone. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-handcount]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      window.setTimeout(function () { if (button) { button.disabled = true; } }, 0);
    });
  });
})();
