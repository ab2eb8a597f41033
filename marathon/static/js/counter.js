// Embeddable counter: refresh the total every minute from the public JSON endpoint.
(function () {
  "use strict";
  var box = document.querySelector("[data-counter-url]");
  if (!box || !window.fetch) { return; }
  var target = box.querySelector("[data-counter-total]");
  var url = box.getAttribute("data-counter-url");
  var locale = box.getAttribute("data-counter-locale") || undefined;
  var format = window.Intl ? new Intl.NumberFormat(locale) : { format: String };
  function refresh() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && typeof data.total === "number") { target.textContent = format.format(data.total); }
      })
      .catch(function () { /* offline: keep the last number shown */ });
  }
  window.setInterval(refresh, 60000);
})();
