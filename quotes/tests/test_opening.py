"""Opening: at the opening time every current revision opens at once, with a record of receipts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from companies.tests.factories import member
from cotai.exceptions import InvalidState, PermissionDenied
from quotes import services, tasks
from quotes.choices import OpeningMethod, QuoteStatus
from quotes.models import ImmutableRecordError, OpeningEntry, Quote, TenderOpening
from quotes.tests.factories import draft_quote, past_deadline, published_tender, submitted_quote
from tenders.choices import TenderStatus
from tenders.models import TenderOpener

pytestmark = pytest.mark.django_db


def test_beat_schedule_runs_the_opening_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["quotes-open-due"]
    assert entry == {"task": "quotes.tasks.open_due_tenders", "schedule": 60.0}


def test_nothing_opens_before_the_opening_time(tender, supplier_a, supplier_a_company):
    submitted_quote(tender, supplier_a_company, supplier_a)
    assert tasks.open_due_tenders() == 0
    with pytest.raises(InvalidState, match="closed tender"):
        services.tender_open(tender=tender)
    assert not TenderOpening.objects.exists()
    assert Quote.objects.get().status == QuoteStatus.SUBMITTED


def test_beat_task_closes_and_opens_every_current_revision_with_receipts(
    tender, supplier_a, supplier_a_company, supplier_b, supplier_b_company, outbox, audit_log
):
    quote_a = submitted_quote(tender, supplier_a_company, supplier_a)
    services.quote_submit(quote=quote_a, actor=supplier_a)  # revision 2 is the current one
    quote_b = submitted_quote(tender, supplier_b_company, supplier_b)
    quote_a.refresh_from_db()
    with time_machine.travel(tender.submission_deadline + timedelta(seconds=5), tick=False):
        assert tasks.open_due_tenders() == 1
        assert tasks.open_due_tenders() == 0  # idempotent

    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED
    opening = TenderOpening.objects.get(tender=tender)
    assert opening.method == OpeningMethod.SCHEDULED
    assert opening.quote_count == 2
    entries = {entry.quote_id: entry for entry in opening.entries.all()}
    assert entries[quote_a.pk].revision_number == 2
    assert entries[quote_a.pk].content_sha256 == quote_a.current_revision.content_sha256
    assert entries[quote_b.pk].content_sha256 == quote_b.current_revision.content_sha256
    assert set(Quote.objects.values_list("status", flat=True)) == {QuoteStatus.OPENED}

    published = {event.company_id: event.payload for event in outbox("quotes.opened")}
    assert published[supplier_a_company.pk]["content_sha256"] == quote_a.current_revision.content_sha256
    assert published[supplier_a_company.pk]["revision"] == 2
    assert published[supplier_b_company.pk]["content_sha256"] == quote_b.current_revision.content_sha256
    [buyer_event] = outbox("tender.quotes_opened")
    assert buyer_event.payload["quote_count"] == 2
    [record] = audit_log(type="quotes.opened")
    assert {receipt["quote_id"] for receipt in record.data["receipts"]} == {quote_a.pk, quote_b.pk}


def test_withdrawn_and_draft_quotes_are_not_opened(
    tender, supplier_a, supplier_a_company, supplier_b, supplier_b_company
):
    quote_a = submitted_quote(tender, supplier_a_company, supplier_a)
    services.quote_withdraw(quote=quote_a, actor=supplier_a)
    draft_quote(tender, supplier_b_company, supplier_b)
    past_deadline(tender)
    opening = services.tender_open(tender=tender)
    assert opening.quote_count == 0
    tender.refresh_from_db()
    assert tender.status == TenderStatus.UNSUCCESSFUL
    assert set(Quote.objects.filter(tender=tender).values_list("status", flat=True)) == {
        QuoteStatus.WITHDRAWN,
        QuoteStatus.DRAFT,
    }


def test_a_tender_without_quotes_becomes_unsuccessful(tender, outbox):
    past_deadline(tender)
    assert tasks.open_due_tenders() == 1
    tender.refresh_from_db()
    assert tender.status == TenderStatus.UNSUCCESSFUL
    assert tender.unsuccessful_reason == services.opening.NO_VALID_QUOTE_REASON
    assert len(outbox("tender.unsuccessful")) == 1


def test_opening_record_is_immutable(tender, supplier_a, supplier_a_company):
    submitted_quote(tender, supplier_a_company, supplier_a)
    past_deadline(tender)
    opening = services.tender_open(tender=tender)
    with pytest.raises(ImmutableRecordError):
        opening.save()
    with pytest.raises(ImmutableRecordError):
        OpeningEntry.objects.filter(opening=opening).update(content_sha256="0" * 64)
    with pytest.raises(ImmutableRecordError):
        TenderOpening.objects.filter(pk=opening.pk).delete()


@pytest.fixture
def committee_tender(buyer_company, market, buyer, buyer_admin):
    tender = published_tender(buyer_company, market, committee_opening_required=True, committee_quorum=2)
    TenderOpener.objects.create(tender=tender, user=buyer)
    TenderOpener.objects.create(tender=tender, user=buyer_admin)
    return tender


def test_committee_opening_waits_for_the_quorum(committee_tender, buyer, buyer_admin, supplier_a, supplier_a_company):
    tender = committee_tender
    submitted_quote(tender, supplier_a_company, supplier_a)
    with pytest.raises(InvalidState, match=r"opening time|closed tender"):
        services.opening_confirm(tender=tender, actor=buyer)  # too early
    with time_machine.travel(tender.submission_deadline + timedelta(minutes=1), tick=False):
        assert tasks.open_due_tenders() == 0  # beat does not open a committee tender
        services.opening_confirm(tender=tender, actor=buyer)
        tender.refresh_from_db()
        assert tender.status == TenderStatus.CLOSED
        with pytest.raises(InvalidState, match="already confirmed"):
            services.opening_confirm(tender=tender, actor=buyer)
        services.opening_confirm(tender=tender, actor=buyer_admin)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED
    opening = TenderOpening.objects.get(tender=tender)
    assert opening.method == OpeningMethod.COMMITTEE
    assert sorted(opening.openers) == sorted([buyer.pk, buyer_admin.pk])


def test_only_named_openers_confirm(committee_tender, buyer_company):
    someone = member(buyer_company, "buyer").user
    with (
        time_machine.travel(committee_tender.submission_deadline + timedelta(minutes=1), tick=False),
        pytest.raises(PermissionDenied, match="named"),
    ):
        services.opening_confirm(tender=committee_tender, actor=someone)


def test_quorum_not_met_refuses_to_open(committee_tender, buyer):
    with time_machine.travel(committee_tender.submission_deadline + timedelta(minutes=1), tick=False):
        services.opening_confirm(tender=committee_tender, actor=buyer)
        with pytest.raises(InvalidState, match="1 of the 2"):
            services.tender_open(tender=committee_tender)
