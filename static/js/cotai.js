/* CotAi pages: the CSRF token on htmx requests, and live countdowns of open deadlines.
   No inline code anywhere (the CSP forbids it); no money arithmetic here (the server computes totals). */
(function () {
  "use strict";

  // htmx requests carry the CSRF token the page was rendered with.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.body && document.body.dataset.csrfToken;
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // <time data-countdown data-server-now="unix seconds" datetime="ISO"> is rendered by the server only
  // while the deadline is open. The remaining time is measured against the server's clock at render
  // time (not the device's, which may be wrong); the server still decides whether a quote is on time.
  var offsets = new WeakMap();

  function remainingText(ms) {
    if (ms <= 0) {
      return "deadline passed";
    }
    var seconds = Math.floor(ms / 1000);
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    if (days > 0) {
      return days + "d " + hours + "h " + minutes + "m left";
    }
    if (hours > 0) {
      return hours + "h " + minutes + "m " + secs + "s left";
    }
    return minutes + "m " + secs + "s left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (time) {
      if (!offsets.has(time)) {
        var serverNow = parseInt(time.dataset.serverNow, 10) * 1000;
        offsets.set(time, isNaN(serverNow) ? 0 : serverNow - now);
      }
      var deadline = Date.parse(time.getAttribute("datetime"));
      if (isNaN(deadline)) {
        return;
      }
      var left = deadline - (now + offsets.get(time));
      var label = time.nextElementSibling;
      if (label && label.classList.contains("countdown")) {
        var text = "(" + remainingText(left) + ")";
        if (label.textContent !== text) {
          label.textContent = text;
        }
        label.classList.toggle("passed", left <= 0);
        label.classList.toggle("soon", left > 0 && left < 3600 * 1000);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSettle", tick);
})();
