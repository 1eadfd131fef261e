"""The notification centre, the bell, preferences, and the API (people and API keys)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import ApiKeyFactory
from notifications.models import Notification, NotificationPreference, NotificationSettings, WebhookEndpoint
from notifications.tests.factories import NotificationFactory


@pytest.mark.django_db
def test_the_centre_lists_own_notifications_and_filters_unread(client, supplier_a, supplier_b):
    NotificationFactory(recipient=supplier_a, title="Mine, unread")
    NotificationFactory(recipient=supplier_a, title="Mine, read", read_at="2026-05-01T10:00:00Z")
    NotificationFactory(recipient=supplier_b, title="Not mine")
    client.force_login(supplier_a)

    page = client.get(reverse("notifications:list")).content.decode()
    assert "Mine, unread" in page
    assert "Mine, read" in page
    assert "Not mine" not in page
    unread = client.get(reverse("notifications:list"), {"status": "unread"}).content.decode()
    assert "Mine, unread" in unread
    assert "Mine, read" not in unread


@pytest.mark.django_db
def test_the_bell_shows_the_unread_count_in_every_page_and_as_a_partial(client, supplier_a):
    NotificationFactory.create_batch(3, recipient=supplier_a)
    client.force_login(supplier_a)
    home = client.get(reverse("notifications:preferences")).content.decode()
    assert 'id="notification-bell"' in home
    assert 'aria-label="3 unread"' in home
    bell = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    assert bell.status_code == 200
    assert 'aria-label="3 unread"' in bell.content.decode()


@pytest.mark.django_db
def test_mark_read_and_mark_all_read_work_without_javascript(client, supplier_a):
    first, _second, _third = NotificationFactory.create_batch(3, recipient=supplier_a)
    client.force_login(supplier_a)
    response = client.post(reverse("notifications:read", kwargs={"pk": first.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(recipient=supplier_a, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_with_htmx_the_list_and_the_bell_come_back_as_partials(client, supplier_a):
    one, _two = NotificationFactory.create_batch(2, recipient=supplier_a)
    client.force_login(supplier_a)
    response = client.post(reverse("notifications:read", kwargs={"pk": one.pk}), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'hx-swap-oob="true"' in body
    assert 'aria-label="1 unread"' in body


@pytest.mark.django_db
def test_opening_a_notification_marks_it_read_and_never_leaves_the_site(client, supplier_a):
    inside = NotificationFactory(recipient=supplier_a, link="/tenders/5/")
    outside = NotificationFactory(recipient=supplier_a, link="https://evil.example/phish")
    client.force_login(supplier_a)
    assert client.post(reverse("notifications:open", kwargs={"pk": inside.pk}))["Location"] == "/tenders/5/"
    assert client.post(reverse("notifications:open", kwargs={"pk": outside.pk}))["Location"] == reverse(
        "notifications:list"
    )


@pytest.mark.django_db
def test_the_preferences_page_saves_channels_and_rhythm(client, supplier_a):
    client.force_login(supplier_a)
    response = client.post(
        reverse("notifications:preferences"),
        {
            "tender.published:in_app": "on",
            "tender.published:sms": "on",
            "digest_frequency": "weekly",
            "digest_hour": "9",
            "digest_weekday": "4",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=supplier_a, event_type="tender.published", channel="sms").enabled
    assert not NotificationPreference.objects.get(
        user=supplier_a, event_type="tender.published", channel="email"
    ).enabled
    settings_row = NotificationSettings.objects.get(user=supplier_a)
    assert (settings_row.digest_frequency, settings_row.digest_hour, settings_row.digest_weekday) == ("weekly", 9, 4)
    assert str(settings_row.quiet_hours_start) == "22:00:00"
    # Security notices stay on whatever the form says.
    assert not NotificationPreference.objects.filter(
        event_type="auth.password_changed", channel__in=["in_app", "email"]
    )
    # Only the choices that differ from what applied before are stored.
    assert (
        NotificationPreference.objects.filter(user=supplier_a, event_type="tender.amended", channel="sms").count() == 0
    )


@pytest.mark.django_db
def test_the_api_lists_and_marks_the_callers_notifications(api, supplier_a, supplier_b):
    mine = NotificationFactory(recipient=supplier_a, title="Yours")
    NotificationFactory(recipient=supplier_b)
    client = api(supplier_a)
    listed = client.get("/api/v1/notifications").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["results"][0]["type"] == "tender.published"
    assert listed["results"][0]["is_read"] is False
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    assert client.post(f"/api/v1/notifications/{mine.pk}/read").json()["is_read"] is True
    assert client.get("/api/v1/notifications", {"status": "unread"}).json()["results"] == []
    other = NotificationFactory(recipient=supplier_b)
    assert client.post(f"/api/v1/notifications/{other.pk}/read").status_code == 404


@pytest.mark.django_db
def test_the_api_changes_preferences_and_refuses_switching_off_security_notices(api, supplier_a):
    client = api(supplier_a)
    body = client.patch(
        "/api/v1/notifications/preferences",
        {
            "choices": [{"type": "tender.invited", "channel": "sms", "enabled": True}],
            "settings": {"digest_frequency": "daily", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
        },
        format="json",
    ).json()
    invited = next(row for row in body["types"] if row["type"] == "tender.invited")
    assert invited["channels"]["sms"] is True
    assert body["settings"]["digest_frequency"] == "daily"
    assert body["settings"]["quiet_hours_start"] == "22:00:00"
    refused = client.patch(
        "/api/v1/notifications/preferences",
        {"choices": [{"type": "auth.mfa_disabled", "channel": "email", "enabled": False}]},
        format="json",
    )
    assert refused.status_code == 400
    assert "auth.mfa_disabled.email" in refused.json()["errors"]


@pytest.mark.django_db
def test_an_api_key_has_no_personal_notifications_but_manages_webhooks_with_its_scope(
    client, buyer_company, buyer_admin
):
    key = ApiKeyFactory(company=buyer_company, scopes=["webhooks:manage", "notifications:read"])
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key.plaintext}"}
    assert client.get("/api/v1/notifications", **headers).status_code == 403
    created = client.post(
        "/api/v1/webhooks/endpoints",
        {"url": "https://93.184.215.14/erp", "event_types": ["tender.published"]},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    assert WebhookEndpoint.objects.get().company == buyer_company
    listed = client.get("/api/v1/webhooks/endpoints", **headers).json()
    assert "secret" not in listed["results"][0]

    without_scope = ApiKeyFactory(company=buyer_company, scopes=["tenders:read"])
    assert (
        client.get("/api/v1/webhooks/endpoints", HTTP_AUTHORIZATION=f"Api-Key {without_scope.plaintext}").status_code
        == 403
    )


@pytest.mark.django_db
def test_the_api_refuses_an_endpoint_on_a_private_address(api, buyer_company, buyer_admin):
    response = api(buyer_admin, buyer_company).post(
        "/api/v1/webhooks/endpoints",
        {"url": "http://169.254.169.254/latest", "event_types": ["tender.published"]},
        format="json",
    )
    assert response.status_code == 400
    assert "url" in response.json()["errors"]


@pytest.mark.django_db
def test_the_openapi_schema_documents_the_notification_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/notifications",
        "/api/v1/notifications/preferences",
        "/api/v1/notifications/devices",
        "/api/v1/webhooks/endpoints",
        "/api/v1/webhooks/deliveries/{id}/redeliver",
    ):
        assert path in schema["paths"], path


@pytest.mark.django_db
def test_delivery_metrics_are_exported(client, settings):
    from notifications import delivery
    from notifications.tests.factories import NotificationDeliveryFactory

    row = NotificationDeliveryFactory(channel="sms", notification__recipient__phone="+5511999990000")
    delivery.send_notification_deliveries([row.pk])
    text = client.get("/metrics").content.decode()
    assert 'cotai_notification_deliveries_total{channel="sms",status="sent"}' in text
    assert "# TYPE cotai_webhook_delivery_seconds histogram" in text
