"""The address guard: private, loopback, link-local and metadata addresses are refused at save and
at send, after DNS resolution; the request goes to the address that was checked."""

from __future__ import annotations

import socket

import pytest

from companies.tests.factories import CompanyFactory, member
from cotai.exceptions import ValidationFailed
from notifications import delivery, netguard, outbound, services
from notifications.choices import WebhookDeliveryStatus
from notifications.tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory

REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fd00:ec2::254]/hook",
    "http://0.0.0.0/hook",
    "http://localhost/hook",
]


def _resolving(monkeypatch, mapping: dict[str, list[str]]) -> None:
    """Make the resolver answer ``mapping`` (host -> addresses); IP literals resolve to themselves."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in mapping:
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in mapping[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(netguard.socket, "getaddrinfo", fake)


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_addresses_are_refused(url):
    with pytest.raises(netguard.UnsafeUrl) as error:
        netguard.check_url(url, allow_private_addresses=False)
    assert "only public addresses" in str(error.value)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    _resolving(monkeypatch, {"intranet.example.com": ["93.184.215.14", "10.1.2.3"]})
    with pytest.raises(netguard.UnsafeUrl) as error:
        netguard.check_url("https://intranet.example.com/hook", allow_private_addresses=False)
    assert "10.1.2.3" in str(error.value)


def test_a_public_address_is_accepted_and_other_schemes_and_credentials_are_not(monkeypatch):
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    target = netguard.check_url("https://hooks.example.com/in?x=1", allow_private_addresses=False)
    assert target.addresses == ("93.184.215.14",)
    assert target.port == 443
    assert target.path == "/in?x=1"
    for url in ("ftp://hooks.example.com/", "https://user:pw@hooks.example.com/", "file:///etc/passwd"):
        with pytest.raises(netguard.UnsafeUrl):
            netguard.check_url(url, allow_private_addresses=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/h", "http://10.2.3.4/h", "http://169.254.169.254/", "http://[::1]/h", "http://localhost:8000/h"],
)
def test_an_endpoint_with_a_refused_address_cannot_be_saved(url):
    company = CompanyFactory()
    admin = member(company, "owner").user
    with pytest.raises(ValidationFailed) as error:
        services.webhook_endpoint_create(actor=admin, company=company, url=url, event_types=["tender.published"])
    assert "url" in error.value.errors


@pytest.mark.django_db
def test_an_address_that_turns_private_after_saving_is_refused_at_send(monkeypatch, http_server):
    port = int(http_server.url.rsplit(":", 1)[1])
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    company = CompanyFactory()
    admin = member(company, "owner").user
    endpoint = services.webhook_endpoint_create(
        actor=admin, company=company, url=f"http://hooks.example.com:{port}/hook", event_types=["tender.published"]
    )
    # The DNS answer changes to loopback (rebinding): the send is refused and nothing is connected to.
    _resolving(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    row = WebhookDeliveryFactory(endpoint=endpoint)
    assert delivery.send_webhook_deliveries([row.pk]) == {"failed": 1}
    row.refresh_from_db()
    assert row.status == WebhookDeliveryStatus.FAILED
    assert "127.0.0.1" in row.last_error
    assert http_server.requests == []


@pytest.mark.django_db
def test_the_connection_goes_to_the_checked_address_with_the_name_in_the_host_header(
    monkeypatch, settings, http_server
):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    port = int(http_server.url.rsplit(":", 1)[1])
    _resolving(monkeypatch, {"hooks.test": ["127.0.0.1"]})
    answer = outbound.post(f"http://hooks.test:{port}/pinned", b"{}", {"Content-Type": "application/json"})
    assert answer.status == 200
    [received] = http_server.requests
    assert received.headers["host"] == f"hooks.test:{port}"


@pytest.mark.django_db
def test_a_refused_address_is_failed_without_retrying():
    endpoint = WebhookEndpointFactory(url="http://169.254.169.254/latest/meta-data/", company=CompanyFactory())
    row = WebhookDeliveryFactory(endpoint=endpoint)
    delivery.send_webhook_deliveries([row.pk])
    row.refresh_from_db()
    assert row.status == WebhookDeliveryStatus.FAILED
    assert row.attempts == 1
    assert row.next_attempt_at <= row.created_at
