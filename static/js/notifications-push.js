// Registers this browser for CotAi push notifications (Web Push with VAPID).
// The button carries the server's public key and the URLs; the subscription is POSTed as JSON.
(function () {
  "use strict";
  var button = document.getElementById("enable-push");
  var status = document.getElementById("push-status");
  if (!button) { return; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    status.textContent = "This browser does not support push notifications.";
    return;
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  button.addEventListener("click", function () {
    status.textContent = "Asking for permission…";
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("Permission was not granted."); }
      return navigator.serviceWorker.register(button.dataset.workerUrl);
    }).then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(button.dataset.vapidKey)
      });
    }).then(function (subscription) {
      return fetch(button.dataset.registerUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ platform: "web", subscription: subscription.toJSON() })
      });
    }).then(function (response) {
      if (!response.ok) { throw new Error("The server refused the subscription."); }
      status.textContent = "Push notifications are on for this browser.";
      window.setTimeout(function () { window.location.reload(); }, 800);
    }).catch(function (error) {
      status.textContent = error.message;
    });
  });
}());
