// CotAi service worker: shows push notifications and opens their link when clicked.
// Payload (JSON): {"title", "body", "url", "type", "notification_id"}.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "CotAi", body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "CotAi", {
    body: data.body || "",
    tag: data.notification_id ? "cotai-" + data.notification_id : undefined,
    data: { url: data.url || "/notifications/" }
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifications/";
  event.waitUntil(self.clients.openWindow(url));
});
