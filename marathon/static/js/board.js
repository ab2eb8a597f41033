/* Live board: poll board.json every 2 s with If-None-Match; the server answers 304 while nothing moved. */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) { return; }
  var url = board.getAttribute("data-url");
  var anonymous = board.getAttribute("data-anonymous");
  var forWord = board.getAttribute("data-for");
  var locale = board.getAttribute("data-locale") || document.documentElement.lang;
  var numbers = new Intl.NumberFormat(locale);
  var etag = null;
  var INTERVAL = 2000;

  function setText(el, value) {
    if (el && el.textContent !== value) { el.textContent = value; }
  }
  function fmt(n) { return numbers.format(n); }

  function render(data) {
    setText(document.getElementById("board-total"), fmt(data.total));
    var progress = document.getElementById("board-progress");
    var goalText = document.getElementById("board-goal-text");
    if (data.goal) {
      setText(document.getElementById("board-goal"), fmt(data.goal));
      progress.max = data.goal;
      progress.value = Math.min(data.total, data.goal);
      progress.hidden = false;
      goalText.hidden = false;
    } else {
      progress.hidden = true;
      goalText.hidden = true;
    }
    setText(document.getElementById("board-online"), fmt(data.online));
    setText(document.getElementById("board-handwritten"), fmt(data.handwritten));
    Object.keys(data.kinds).forEach(function (kind) {
      setText(board.querySelector('[data-kind="' + kind + '"]'), fmt(data.kinds[kind]));
    });
    var top = 1;
    data.cases.forEach(function (c) { top = Math.max(top, c.total); });
    data.cases.forEach(function (c) {
      var row = board.querySelector('[data-case-id="' + c.id + '"]');
      if (!row) { return; }
      var bar = row.querySelector("progress");
      bar.max = top;
      bar.value = c.total;
      setText(row.querySelector(".board-case-total"), fmt(c.total));
    });
    if (data.latest.length) {
      var list = document.getElementById("board-latest");
      var items = data.latest.map(function (letter) {
        var li = document.createElement("li");
        var name = document.createElement("strong");
        name.textContent = letter.name || anonymous;
        li.appendChild(name);
        li.appendChild(document.createTextNode(" " + forWord + " " + letter.case));
        return li;
      });
      list.replaceChildren.apply(list, items);
    }
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        if (data) { render(data); }
        board.classList.remove("board-offline");
      })
      .catch(function () { board.classList.add("board-offline"); })
      .then(function () { window.setTimeout(poll, INTERVAL); });
  }
  // Format the server-rendered numbers the same way, then start polling.
  window.setTimeout(poll, 0);
})();
