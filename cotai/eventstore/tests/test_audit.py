"""cotai.audit.record: who, what, when, from where, and the transaction it belongs to."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import RequestFactory
from prometheus_client import REGISTRY
from pymongo.errors import ServerSelectionTimeoutError

from cotai import audit
from cotai.context import reset_correlation_id, set_correlation_id
from cotai.eventstore import get_event_store, reset_event_store
from cotai.eventstore.request_info import client_ip

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create(email="buyer@example.com", full_name="Bea Buyer")


def test_record_from_a_request_keeps_actor_ip_user_agent_and_correlation_id(
    event_store, user, django_capture_on_commit_callbacks
):
    request = RequestFactory().post("/tenders/1/publish", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox/140")
    request.user = user
    token = set_correlation_id("req-audit-1")
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            audit.record(
                action="tender.published",
                company=5,
                obj=user,
                before={"status": "draft"},
                after={"status": "published"},
                data={"reason": "ready"},
                request=request,
            )
    finally:
        reset_correlation_id(token)

    [event] = event_store.query(kind="audit").items
    assert event.type == "tender.published"
    assert event.actor_id == user.pk
    assert event.company_id == 5
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))
    assert event.data == {"reason": "ready", "before": {"status": "draft"}, "after": {"status": "published"}}
    assert event.ip == "203.0.113.7"
    assert event.user_agent == "Firefox/140"
    assert event.correlation_id == "req-audit-1"


def test_explicit_actor_and_company_win_over_the_request(event_store, user, django_capture_on_commit_callbacks):
    other = get_user_model().objects.create(email="other@example.com")
    request = RequestFactory().get("/")
    request.user = other
    request.company = mock.Mock(pk=8)
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(action="member.invited", actor=user, company=9, request=request)
        audit.record(action="member.removed", request=request)

    by_type = {event.type: (event.actor_id, event.company_id) for event in event_store.query().items}
    assert by_type == {"member.invited": (user.pk, 9), "member.removed": (other.pk, 8)}


def test_anonymous_actor_is_recorded_as_none(event_store, django_capture_on_commit_callbacks):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.4")
    request.user = AnonymousUser()
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(action="auth.login_failed", request=request, data={"email": "x@example.com"})

    [event] = event_store.query().items
    assert (event.actor_id, event.company_id, event.ip) == (None, None, "198.51.100.4")


def test_audit_of_a_rolled_back_transaction_leaves_nothing(event_store, user, django_capture_on_commit_callbacks):
    def failing_service():
        with transaction.atomic():
            audit.record(action="tender.published", actor=user, company=1)
            raise RuntimeError("the service failed after auditing")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing_service()
    assert event_store.query().total == 0

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        audit.record(action="tender.cancelled", actor=user, company=1)
    assert [event.type for event in event_store.query().items] == ["tender.cancelled"]


def test_audit_with_the_db_backend_is_written_inside_the_callers_transaction(event_store, user):
    if not event_store.transactional:
        pytest.skip("only the relational backend writes inside the caller's transaction")
    with transaction.atomic():
        audit.record(action="tender.published", actor=user)
        assert event_store.query().total == 1  # visible to the transaction before it commits


def test_audit_with_mongo_waits_for_the_commit(event_store, user, django_capture_on_commit_callbacks):
    if event_store.transactional:
        pytest.skip("MongoDB writes are deferred until the relational transaction commits")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        audit.record(action="tender.published", actor=user)
        assert event_store.query().total == 0
    assert len(callbacks) == 1
    assert event_store.query().total == 1


def test_audit_refuses_a_malformed_action_at_once(event_store, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValueError, match="event type"):
        audit.record(action="not an action")
    assert callbacks == []


def test_mongo_outage_after_commit_is_logged_and_counted_not_raised(settings, django_capture_on_commit_callbacks):
    settings.EVENT_STORE_BACKEND = "mongomock"
    reset_event_store()
    store = get_event_store()
    failures_before = REGISTRY.get_sample_value("cotai_eventstore_append_failures_total", {"kind": "audit"}) or 0
    try:
        with (
            mock.patch.object(store.collection, "insert_many", side_effect=ServerSelectionTimeoutError("down")),
            mock.patch("cotai.audit.log") as log,
            django_capture_on_commit_callbacks(execute=True),
        ):
            audit.record(action="tender.published", company=3)
        assert (
            REGISTRY.get_sample_value("cotai_eventstore_append_failures_total", {"kind": "audit"})
            == failures_before + 1
        )
        event, kwargs = log.error.call_args
        assert event == ("audit.append_failed",)
        assert kwargs["event"]["type"] == "tender.published"
        assert kwargs["event"]["company_id"] == 3
    finally:
        reset_event_store()


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1, 203.0.113.9", "10.0.0.2"),  # no trusted proxy: the header is ignored
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the hop our proxy appended
        (2, "198.51.100.1, 203.0.113.9", "198.51.100.1"),
        (3, "198.51.100.1, 203.0.113.9", "10.0.0.2"),  # fewer hops than proxies: not through our proxies
        (1, "", "10.0.0.2"),
        (1, "198.51.100.1, garbage", "10.0.0.2"),
        (1, " 2001:DB8::5 ", "2001:db8::5"),
    ],
)
def test_client_ip_trusts_forwarded_for_only_as_far_as_configured_proxies(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected
