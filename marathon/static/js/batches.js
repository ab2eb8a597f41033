// Print batches. On the new batch form: the label stock named follows the paper chosen. On a
// batch's page: live progress, polling status.json every second and reloading the page when the
// batch finishes or fails (both pages work without this script: the stock of the paper last
// submitted is named, and the batch page has a reload link).
(function () {
  "use strict";

  var stock = document.querySelector("[data-role=label-stock]");
  var paper = document.getElementById("paper");
  if (stock && paper) {
    var showStock = function () {
      var text = stock.getAttribute("data-stock-" + paper.value);
      if (text) stock.textContent = text;
    };
    paper.addEventListener("change", showStock);
    showStock();
  }

  var root = document.querySelector(".batch-detail[data-status-url]");
  if (!root) return;
  var state = root.getAttribute("data-status");
  if (state !== "queued" && state !== "running") return;
  var url = root.getAttribute("data-status-url");
  var bar = root.querySelector("[data-role=bar]");
  var count = root.querySelector("[data-role=count]");
  var reload = root.querySelector("[data-role=reload]");
  if (reload) reload.hidden = true;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (bar) {
          bar.max = data.total || 1;
          bar.value = data.done;
          bar.textContent = data.percent + " %";
        }
        if (count) count.textContent = data.done + " / " + data.total;
        if (data.status !== state) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        if (reload) reload.hidden = false;
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
