"""Domain events reach the right people with what they may know (real services emit the events)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils import timezone

from companies.tests.factories import CategoryFactory, CompanyFactory, member
from cotai.events import DomainEvent
from notifications import subscribers
from notifications.models import Notification, WebhookDelivery
from notifications.tests.factories import WebhookEndpointFactory
from tenders import services as tender_services
from tenders.tests.factories import TenderFactory


@pytest.fixture
def category(db):
    return CategoryFactory(code="goods.notif-office", name="Office supplies", slug="goods-notif-office")


@pytest.fixture
def market(category, supplier_a_company, supplier_b_company, buyer, buyer_admin, supplier_a, supplier_b, outsider):
    supplier_a_company.categories.add(category)
    supplier_b_company.categories.add(category)
    return category


def _of(user, type_: str | None = None):
    queryset = Notification.objects.filter(recipient=user)
    return queryset.filter(event_type=type_) if type_ else queryset


def _everything_said_to(user) -> str:
    rows = Notification.objects.filter(recipient=user).values("title", "body", "context")
    return json.dumps(list(rows), default=str)


@pytest.mark.django_db
def test_publishing_tells_suppliers_of_the_category_and_invitees_but_not_others(
    market, buyer_company, buyer, supplier_a, supplier_b, outsider, run_events
):
    invited_company = CompanyFactory(kind="supplier")
    invited_rep = member(invited_company, "supplier_rep").user
    tender = TenderFactory(buyer=buyer_company, category=market, items=1)
    tender_services.invitation_create(tender=tender, actor=buyer, supplier=invited_company)
    tender_services.tender_publish(tender=tender, actor=buyer)

    run_events()

    for person in (supplier_a, supplier_b, invited_rep):
        assert _of(person, "tender.published").count() == 1
    assert "invited to quote" in _of(invited_rep).get().body
    assert "categories your company supplies" in _of(supplier_a).get().body
    # The invitation made on the draft does not notify twice.
    assert not _of(invited_rep, "tender.invited").exists()
    assert not _of(outsider).exists()
    assert not _of(buyer).exists()


@pytest.mark.django_db
def test_an_invitation_after_publication_is_its_own_notification(market, buyer_company, buyer, run_events):
    tender = TenderFactory(buyer=buyer_company, category=market, items=1)
    tender_services.tender_publish(tender=tender, actor=buyer)
    late = CompanyFactory(kind="supplier")
    rep = member(late, "supplier_rep").user
    tender_services.invitation_create(tender=tender, actor=buyer, supplier=late)
    run_events()
    assert _of(rep, "tender.invited").count() == 1


@pytest.mark.django_db
def test_a_submitted_quote_gives_the_supplier_its_receipt_and_the_buyer_no_price_nor_name(
    market, buyer_company, buyer, buyer_admin, supplier_a, supplier_a_company, supplier_b, run_events
):
    from quotes.tests.factories import published_tender, submitted_quote

    tender = published_tender(buyer_company, market, items=2, show_quote_count_before_opening=True)
    quote = submitted_quote(tender, supplier_a_company, supplier_a, prices=["1234.56", "789.01"])
    run_events()

    receipt = _of(supplier_a, "quote.submitted").get()
    assert quote.current_revision.content_sha256 in receipt.body
    assert not _of(supplier_b).exists()

    for person in (buyer, buyer_admin):
        told = _of(person, "quote.received").get()
        assert "1 quote received so far" in told.body
        said = _everything_said_to(person)
        for secret in (
            "1234",
            "789",
            "Supplier A",
            supplier_a_company.legal_name,
            quote.current_revision.content_sha256,
        ):
            assert secret not in said


@pytest.mark.django_db
def test_the_buyer_hears_nothing_of_quotes_when_the_tender_does_not_allow_counting(
    market, buyer_company, buyer, supplier_a, supplier_a_company, run_events
):
    from quotes.tests.factories import published_tender, submitted_quote

    tender = published_tender(buyer_company, market, items=1, show_quote_count_before_opening=False)
    submitted_quote(tender, supplier_a_company, supplier_a)
    run_events()
    assert _of(supplier_a, "quote.submitted").exists()
    assert not _of(buyer).exists()


@pytest.mark.django_db
def test_webhooks_of_the_buyer_carry_no_sealed_data(
    market, buyer_company, buyer, supplier_a, supplier_a_company, run_events
):
    from quotes.tests.factories import published_tender, submitted_quote

    endpoint = WebhookEndpointFactory(company=buyer_company, event_types=["quote.received"])
    supplier_endpoint = WebhookEndpointFactory(company=supplier_a_company, event_types=["quote.submitted"])
    tender = published_tender(buyer_company, market, items=1, show_quote_count_before_opening=True)
    quote = submitted_quote(tender, supplier_a_company, supplier_a, prices=["4321.09"])
    run_events()

    buyer_payload = WebhookDelivery.objects.get(endpoint=endpoint).payload
    assert buyer_payload["data"]["quotes"]["count"] == 1
    assert set(buyer_payload["data"]) == {"tender", "quotes", "link"}
    said = json.dumps(buyer_payload)
    assert "4321" not in said
    assert supplier_a_company.display_name not in said
    assert quote.current_revision.content_sha256 not in said
    supplier_payload = WebhookDelivery.objects.get(endpoint=supplier_endpoint).payload
    assert supplier_payload["data"]["quote"]["receipt_sha256"] == quote.current_revision.content_sha256
    assert "4321" not in json.dumps(supplier_payload)


@pytest.mark.django_db
def test_a_question_reaches_the_buyer_team_without_naming_who_asked(
    market, buyer_company, buyer, buyer_admin, supplier_a, supplier_a_company, supplier_b, run_events
):
    tender = TenderFactory(buyer=buyer_company, category=market, items=1)
    tender_services.tender_publish(tender=tender, actor=buyer)
    run_events()
    clarification = tender_services.clarification_ask(
        tender=tender, actor=supplier_a, company=supplier_a_company, question="Is galvanised steel acceptable?"
    )
    run_events()
    for person in (buyer, buyer_admin):
        told = _of(person, "clarification.asked").get()
        assert "galvanised" in told.body
        assert "Supplier A" not in _everything_said_to(person)
    tender_services.clarification_answer(clarification=clarification, actor=buyer, answer="Yes, it is.")
    run_events()
    for person in (supplier_a, supplier_b):
        assert "Yes, it is." in _of(person, "clarification.answered").get().body
    assert "Supplier A" not in _everything_said_to(supplier_b)


@pytest.mark.django_db
def test_an_award_tells_the_winner_and_the_other_bidders_without_amounts(
    market, buyer_company, buyer, supplier_a, supplier_a_company, supplier_b, supplier_b_company, run_events
):
    from quotes import services as quote_services
    from quotes.tests.factories import open_now, published_tender, submitted_quote

    tender = published_tender(buyer_company, market, items=1)
    winner = submitted_quote(tender, supplier_a_company, supplier_a, prices=["100"])
    submitted_quote(tender, supplier_b_company, supplier_b, prices=["150"])
    open_now(tender)
    quote_services.award_make(tender=tender, actor=buyer, awards=[{"quote": winner}])
    run_events()

    assert "the whole tender" in _of(supplier_a, "award.won").get().body
    assert "not selected" in _of(supplier_b, "award.made").get().body
    assert _of(buyer, "award.made").exists()
    assert _of(supplier_a, "quotes.opened").exists()
    assert _of(buyer, "quotes.opened").exists()
    for person in (supplier_a, supplier_b):
        said = _everything_said_to(person)
        assert "1000" not in said
        assert "1500" not in said


def _event(name: str, **payload) -> DomainEvent:
    return DomainEvent(
        id=uuid.uuid4(),
        name=name,
        payload=payload,
        company_id=payload.pop("company_id", None),
        actor_id=None,
        correlation_id="",
        occurred_at=timezone.now(),
    )


@pytest.mark.django_db
def test_security_events_reach_the_person_by_email_whatever_their_preferences(buyer):
    subscribers.on_security_event(_event("auth.password_changed", user_id=buyer.pk))
    notification = _of(buyer, "auth.password_changed").get()
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"in_app", "email"}
    assert notification.priority == "urgent"


@pytest.mark.django_db
def test_a_disabled_endpoint_is_reported_to_the_company_admins_only(buyer_company, buyer, buyer_admin):
    endpoint = WebhookEndpointFactory(company=buyer_company)
    subscribers.on_webhook_endpoint_disabled(
        _event(
            "webhook.endpoint_disabled",
            company_id=buyer_company.pk,
            endpoint_id=endpoint.pk,
            url=endpoint.url,
            failing_since=timezone.now().isoformat(),
            failures=42,
            last_error="The endpoint answered 500.",
        )
    )
    told = _of(buyer_admin, "webhook.endpoint_disabled").get()
    assert endpoint.url in told.title
    assert "42" in told.body
    assert not _of(buyer).exists()


@pytest.mark.django_db
def test_an_invitation_to_a_company_shows_in_the_bell_of_an_existing_account(buyer_company, buyer_admin, outsider):
    subscribers.on_member_invited(
        _event("member.invited", company_id=buyer_company.pk, invitation_id=1, email=outsider.email, role="viewer")
    )
    told = _of(outsider, "member.invited").get()
    assert buyer_company.display_name in told.title
    assert set(told.deliveries.values_list("channel", flat=True)) == {"in_app"}


@pytest.mark.django_db
def test_a_calendar_deadline_reminder_reaches_exactly_the_people_it_names(
    market, buyer_company, buyer, supplier_a, supplier_a_company, supplier_b
):
    tender = TenderFactory(buyer=buyer_company, category=market, items=1)
    tender_services.tender_publish(tender=tender, actor=buyer)
    subscribers.on_deadline_approaching(
        _event(
            "deadline.approaching",
            company_id=supplier_a_company.pk,
            tender_id=tender.pk,
            kind="submission",
            at=tender.submission_deadline.isoformat(),
            recipient_ids=[supplier_a.pk],
        )
    )
    told = _of(supplier_a, "deadline.approaching").get()
    assert told.title.startswith(f"Submission deadline of tender {tender.number}")
    assert told.company == supplier_a_company
    assert not _of(supplier_b).exists()


@pytest.mark.django_db
def test_a_personal_calendar_reminder_is_delivered_to_its_owner(buyer):
    subscribers.on_calendar_reminder(
        _event(
            "calendar.reminder",
            title="Site visit",
            at="2026-05-04T13:00:00+00:00",
            recipient_ids=[buyer.pk],
            event_id=3,
            minutes_before=60,
        )
    )
    told = _of(buyer, "calendar.reminder").get()
    assert told.title == "Reminder: Site visit at 2026-05-04 13:00 (UTC)"
