"""The audit trail for company administrators and staff: the /audit/ page and /api/v1/audit-events.

Every test that takes ``event_store`` runs on each backend (the relational table and the MongoDB
code on mongomock; a real MongoDB too when MONGODB_URL is set), see this folder's conftest.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import ApiKeyFactory, UserFactory
from companies.choices import Role
from companies.tests.factories import MembershipFactory, member

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/audit-events"
STAFF_API_URL = "/api/v1/staff/audit-events"
PAGE_URL = "/audit/"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_sign_in_events():
    """Signing in (client.force_login) records ``auth.login`` in the person's company; these tests
    compare whole trails, so they leave sign-ins out. Fails loudly if that receiver moves."""
    from django.contrib.auth.signals import user_logged_in

    from accounts.receivers import on_user_logged_in

    uid = "accounts.receivers.logged_in"
    assert user_logged_in.disconnect(dispatch_uid=uid)
    yield
    user_logged_in.connect(on_user_logged_in, dispatch_uid=uid)


def _record(store, company, type_: str, *, actor=None, obj: tuple[str, Any] | None = None, at=T0, **fields) -> str:
    object_type, object_id = obj if obj is not None else (None, None)
    return store.append(
        kind="audit",
        type=type_,
        company_id=company.pk,
        actor_id=actor.pk if actor is not None else None,
        object_type=object_type,
        object_id=object_id,
        occurred_at=at,
        **fields,
    )


@pytest.fixture
def trail(event_store, buyer_company, buyer_admin, buyer, outsider_company, outsider):
    """Four events of buyer_company (oldest first) and two of the outsider's company."""
    tender = ("tenders.tender", 311)
    ids = {
        "created": _record(
            event_store,
            buyer_company,
            "tender.created",
            actor=buyer,
            obj=tender,
            at=T0,
            data={"after": {"status": "draft", "title": "Cement"}},
        ),
        "published": _record(
            event_store,
            buyer_company,
            "tender.published",
            actor=buyer_admin,
            obj=tender,
            at=T0 + timedelta(hours=1),
            data={"before": {"status": "draft"}, "after": {"status": "published"}},
            ip="203.0.113.7",
            user_agent="Firefox/140",
            correlation_id="req-published",
        ),
        "invited": _record(
            event_store,
            buyer_company,
            "member.invited",
            actor=buyer_admin,
            obj=("companies.invitation", 9),
            at=T0 + timedelta(hours=2),
            data={"email": "new@example.com"},
        ),
        "system": _record(event_store, buyer_company, "tender.closed", obj=tender, at=T0 + timedelta(hours=3)),
        # The outsider's company: same object ids and types, so only the company condition keeps them apart.
        "other_1": _record(event_store, outsider_company, "tender.published", actor=outsider, obj=tender, at=T0),
        "other_2": _record(
            event_store, outsider_company, "member.invited", actor=outsider, obj=("companies.invitation", 9), at=T0
        ),
    }
    # Events of other kinds are not the audit trail.
    event_store.append(kind="api_usage", type="api.request", company_id=buyer_company.pk, occurred_at=T0)
    event_store.append(kind="domain", type="tender.published", company_id=buyer_company.pk, occurred_at=T0)
    return ids


def _get(client, url: str, user=None, params: dict | None = None, headers: dict | None = None):
    if user is not None:
        client.force_login(user)
    return client.get(url, params or {}, headers=headers or {})


def _types(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [item["type"] for item in response.json()["results"]]


def _page_types(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [entry.event.type for entry in response.context["entries"]]


# --- API: what an administrator sees -------------------------------------------------------------------
def test_admin_reads_their_company_audit_events_newest_first_with_every_field(
    client, trail, buyer_admin, buyer_company
):
    response = _get(client, API_URL, buyer_admin)

    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (4, None, None)
    assert [item["type"] for item in body["results"]] == [
        "tender.closed",
        "member.invited",
        "tender.published",
        "tender.created",
    ]
    published = body["results"][2]
    assert published == {
        "id": trail["published"],
        "type": "tender.published",
        "occurred_at": "2026-03-02T13:00:00Z",
        "actor": {"id": buyer_admin.pk, "email": buyer_admin.email, "full_name": buyer_admin.full_name},
        "company_id": buyer_company.pk,
        "object_type": "tenders.tender",
        "object_id": "311",
        "data": {"before": {"status": "draft"}, "after": {"status": "published"}},
        "ip": "203.0.113.7",
        "user_agent": "Firefox/140",
        "correlation_id": "req-published",
    }
    # Fields are always present: a system event has a null actor; before/after are null when not recorded.
    closed, invited = body["results"][0], body["results"][1]
    assert closed["actor"] is None
    assert closed["data"] == {"before": None, "after": None}
    assert invited["data"] == {"email": "new@example.com", "before": None, "after": None}
    assert set(closed) == set(published)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "buyer"}, ["tender.created"]),
        ({"actor": "buyer_admin"}, ["member.invited", "tender.published"]),
        ({"object_type": "tenders.tender"}, ["tender.closed", "tender.published", "tender.created"]),
        ({"object_type": "tenders.tender", "object_id": "311", "type": "tender.published"}, ["tender.published"]),
        ({"object_type": "companies.invitation", "object_id": "9"}, ["member.invited"]),
        ({"type": "member.invited"}, ["member.invited"]),
        ({"type_prefix": "tender."}, ["tender.closed", "tender.published", "tender.created"]),
        ({"type_prefix": "tender.", "type": "tender.closed"}, ["tender.closed"]),
        ({"type_prefix": "quote."}, []),
        # since is inclusive, until exclusive.
        ({"since": "2026-03-02T13:00:00Z"}, ["tender.closed", "member.invited", "tender.published"]),
        ({"until": "2026-03-02T10:00:00-03:00"}, ["tender.created"]),
        ({"since": "2026-03-02T10:00:00-03:00", "until": "2026-03-02T14:00:00+00:00"}, ["tender.published"]),
    ],
)
def test_each_filter_narrows_the_admin_view(client, trail, buyer_admin, buyer, params, expected):
    people = {"buyer": buyer, "buyer_admin": buyer_admin}
    params = {key: people[value].pk if key == "actor" else value for key, value in params.items()}

    assert _types(_get(client, API_URL, buyer_admin, params)) == expected


def test_a_plus_sign_sent_unencoded_in_the_offset_still_counts_as_plus(client, trail, buyer_admin):
    client.force_login(buyer_admin)

    # In a query string "+" is a space: the server receives "2026-03-02T14:00:00 00:00".
    response = client.get(f"{API_URL}?since=2026-03-02T14:00:00+00:00")

    assert _types(response) == ["tender.closed", "member.invited"]


def test_pages_follow_the_projects_pagination_shape(client, trail, buyer_admin):
    first = _get(client, API_URL, buyer_admin, {"page_size": 3, "type_prefix": "tender."}).json()
    assert first["count"] == 3
    assert first["next"] is None

    first = _get(client, API_URL, buyer_admin, {"page_size": 3}).json()
    assert first["count"] == 4
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert "page_size=3" in first["next"]
    second = client.get(first["next"]).json()
    assert [item["type"] for item in second["results"]] == ["tender.created"]
    assert second["next"] is None
    assert "page=" not in second["previous"]
    assert "page_size=3" in second["previous"]

    assert _get(client, API_URL, buyer_admin, {"page": 3, "page_size": 3}).status_code == 404


# --- API: who is refused ---------------------------------------------------------------------------------
def test_a_buyer_without_company_view_audit_is_refused(client, trail, buyer):
    response = _get(client, API_URL, buyer)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_callers_are_asked_to_authenticate(client, trail):
    assert client.get(API_URL).status_code == 401
    assert client.get(STAFF_API_URL).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"object_type": "tenders.tender", "object_id": "311"},
        {"object_type": "companies.invitation", "object_id": "9"},
        {"type": "tender.published"},
        {"type_prefix": "tender."},
        {"actor": "buyer_admin"},
        {"company": "buyer_company"},
    ],
)
def test_another_company_never_sees_company_a_events_whatever_the_filters(
    client, trail, outsider, outsider_company, buyer_admin, buyer_company, params
):
    values = {"buyer_admin": buyer_admin.pk, "buyer_company": buyer_company.pk}
    params = {key: values.get(value, value) for key, value in params.items()}

    response = _get(client, API_URL, outsider, params)

    if "company" in params:  # the company is never a parameter of this endpoint
        assert response.status_code == 400
        assert "company" in response.json()["errors"]
        return
    assert response.status_code == 200
    results = response.json()["results"]
    assert {item["company_id"] for item in results} <= {outsider_company.pk}
    assert not {item["id"] for item in results} & {
        trail["created"],
        trail["published"],
        trail["invited"],
        trail["system"],
    }
    page = _get(client, PAGE_URL, outsider, params)
    assert {entry.event.company_id for entry in page.context["entries"]} <= {outsider_company.pk}


def test_naming_another_company_in_x_company_is_refused(client, trail, outsider, buyer_company):
    response = _get(client, API_URL, outsider, headers={"X-Company": str(buyer_company.pk)})

    assert response.status_code == 403


def test_a_member_of_two_companies_reads_the_one_named_by_x_company(client, trail, buyer_company, outsider_company):
    person = member(buyer_company, Role.ADMIN).user
    MembershipFactory(company=outsider_company, user=person, role=Role.VIEWER)
    client.force_login(person)

    assert len(_types(client.get(API_URL, headers={"X-Company": str(buyer_company.pk)}))) == 4
    assert client.get(API_URL, headers={"X-Company": str(outsider_company.pk)}).status_code == 403


# --- API keys ----------------------------------------------------------------------------------------------
def test_an_api_key_with_the_scope_reads_its_own_company_only(client, trail, buyer_company, outsider_company):
    key = ApiKeyFactory(company=buyer_company, scopes=["audit:read"])
    auth = {"Authorization": f"Api-Key {key.plaintext}"}

    response = client.get(API_URL, {"object_type": "tenders.tender"}, headers=auth)

    assert _types(response) == ["tender.closed", "tender.published", "tender.created"]
    assert client.get(API_URL, headers={**auth, "X-Company": str(outsider_company.pk)}).status_code == 403


def test_an_api_key_without_the_scope_is_refused(client, trail, buyer_company):
    key = ApiKeyFactory(company=buyer_company, scopes=["tenders:read", "quotes:read", "companies:read"])

    response = client.get(API_URL, headers={"Authorization": f"Api-Key {key.plaintext}"})

    assert response.status_code == 403
    assert "audit:read" in response.json()["detail"]


def test_api_keys_cannot_use_the_staff_endpoint(client, trail, buyer_company):
    key = ApiKeyFactory(company=buyer_company, scopes=["audit:read"])

    assert client.get(STAFF_API_URL, headers={"Authorization": f"Api-Key {key.plaintext}"}).status_code == 403


# --- staff -----------------------------------------------------------------------------------------------
def test_staff_read_every_company_and_can_filter_one(client, trail, staff, outsider_company):
    everything = _get(client, STAFF_API_URL, staff).json()
    assert everything["count"] == 6

    one = _get(client, STAFF_API_URL, staff, {"company": outsider_company.pk, "type_prefix": "member."}).json()
    assert [item["id"] for item in one["results"]] == [trail["other_2"]]


def test_people_who_are_not_staff_cannot_use_the_staff_endpoint(client, trail, buyer_admin):
    assert _get(client, STAFF_API_URL, buyer_admin).status_code == 403


def test_staff_page_shows_every_company_with_a_company_filter(client, trail, staff, buyer_company, outsider_company):
    response = _get(client, PAGE_URL, staff)

    assert len(_page_types(response)) == 6
    content = response.content.decode()
    assert 'name="company"' in content
    assert buyer_company.display_name in content
    assert outsider_company.display_name in content
    filtered = _get(client, PAGE_URL, params={"company": buyer_company.pk})
    assert {entry.event.company_id for entry in filtered.context["entries"]} == {buyer_company.pk}


# --- bad input -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-02-30T10:00:00Z"}, "until"),
        ({"since": "2026-03-02T10:00:00"}, "since"),  # no offset: which zone would it be?
        ({"since": "2026-03-02T12:00:00Z", "until": "2026-03-02T11:59:59Z"}, "until"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ({"page_size": "201"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"actor": "someone"}, "actor"),
        ({"type": "tender published"}, "type"),
    ],
)
def test_bad_filters_answer_400_with_field_errors(client, trail, buyer_admin, staff, params, field):
    for user, url in ((buyer_admin, API_URL), (staff, STAFF_API_URL)):
        response = _get(client, url, user, params)

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "validation_failed"
        assert list(body["errors"]) == [field]


def test_since_equal_to_until_is_valid_and_matches_nothing(client, trail, buyer_admin):
    params = {"since": "2026-03-02T13:00:00Z", "until": "2026-03-02T13:00:00Z"}

    assert _types(_get(client, API_URL, buyer_admin, params)) == []


# --- the page --------------------------------------------------------------------------------------------
def test_admin_page_lists_changes_readably_in_their_time_zone(client, trail, buyer_admin):
    buyer_admin.time_zone = "America/Sao_Paulo"
    buyer_admin.save(update_fields=["time_zone"])

    response = _get(client, PAGE_URL, buyer_admin)

    assert _page_types(response) == ["tender.closed", "member.invited", "tender.published", "tender.created"]
    content = response.content.decode()
    assert "2 Mar 2026, 10:00:00" in content  # 13:00 UTC is 10:00 in São Paulo
    assert "<dt>status</dt><dd><del>draft</del> → <ins>published</ins></dd>" in content
    assert buyer_admin.email in content
    assert "203.0.113.7" in content
    assert 'href="/audit/" aria-current="page">Audit trail</a>' in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type_prefix": "member."}, ["member.invited"]),
        ({"object_type": "tenders.tender", "object_id": "311", "type": "tender.created"}, ["tender.created"]),
        # The browser's datetime-local has no offset: it is read in the person's time zone (UTC here).
        ({"since": "2026-03-02T14:00", "until": "2026-03-02T15:00:00"}, ["member.invited"]),
    ],
)
def test_page_filters_are_a_get_form(client, trail, buyer_admin, params, expected):
    assert _page_types(_get(client, PAGE_URL, buyer_admin, params)) == expected


def test_page_filters_by_actor_offer_the_companys_members(client, trail, buyer_admin, buyer):
    response = _get(client, PAGE_URL, buyer_admin, {"actor": buyer.pk})

    assert _page_types(response) == ["tender.created"]
    assert f'<option value="{buyer.pk}" selected>' in response.content.decode()


def test_page_shows_bad_filters_next_to_the_table(client, trail, buyer_admin):
    response = _get(client, PAGE_URL, buyer_admin, {"since": "2026-03-02T12:00", "until": "2026-03-02T11:00"})

    assert response.status_code == 200
    assert response.context["entries"] == []
    assert "Until must not be before" in response.content.decode()


def test_htmx_requests_get_only_the_table(client, trail, buyer_admin):
    full = _get(client, PAGE_URL, buyer_admin)
    partial = client.get(PAGE_URL, {"type": "tender.closed"}, headers={"HX-Request": "true"})
    restore = client.get(PAGE_URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert "<html" in full.content.decode()
    assert 'hx-push-url="true"' in full.content.decode()
    assert partial.content.decode().startswith('<div id="audit-table"')
    assert _page_types(partial) == ["tender.closed"]
    assert "<html" in restore.content.decode()
    assert "HX-Request" in partial["Vary"]


def test_page_has_no_inline_styles_or_scripts(client, trail, buyer_admin):
    content = _get(client, PAGE_URL, buyer_admin).content.decode()

    assert "style=" not in content
    assert "<script>" not in content
    assert "onclick" not in content


def test_a_page_past_the_end_shows_the_last_one(client, trail, buyer_admin):
    response = _get(client, PAGE_URL, buyer_admin, {"page": 9, "page_size": 3})

    assert response.context["page"].page == 2
    assert _page_types(response) == ["tender.created"]


def test_buyer_without_company_view_audit_gets_403_and_no_nav_link(client, trail, buyer):
    assert _get(client, PAGE_URL, buyer).status_code == 403
    assert "Audit trail" not in client.get(reverse("companies:list")).content.decode()


def test_a_person_without_a_company_gets_403(client, trail):
    assert _get(client, PAGE_URL, UserFactory()).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, trail):
    response = client.get(PAGE_URL)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


# --- queries do not grow with the page ----------------------------------------------------------------
def _many(store, company, count: int) -> None:
    people = [member(company, Role.VIEWER).user for _ in range(count)]
    store.append_many(
        [
            {
                "kind": "audit",
                "type": "tender.edited",
                "company_id": company.pk,
                "actor_id": person.pk,
                "object_type": "tenders.tender",
                "object_id": str(index),
                "occurred_at": T0 + timedelta(minutes=index),
                "data": {"before": {"title": "A"}, "after": {"title": "B"}},
            }
            for index, person in enumerate(people)
        ]
    )


@pytest.mark.parametrize("url", [API_URL, PAGE_URL, STAFF_API_URL])
def test_query_count_is_the_same_for_5_and_50_events(
    client, event_store, buyer_company, buyer_admin, staff, django_assert_num_queries, url
):
    user = staff if url == STAFF_API_URL else buyer_admin
    params = {"page_size": 50, "type_prefix": "tender."}
    _many(event_store, buyer_company, 5)
    client.force_login(user)
    client.get(url, params)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url, params).status_code == 200

    _many(event_store, buyer_company, 45)
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get(url, params)

    assert response.status_code == 200
    count = response.json()["count"] if url != PAGE_URL else response.context["page"].total
    assert count == 50
