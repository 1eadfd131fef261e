"""Quote services: working copy, submission with receipts, deadline, withdraw, confirm, immutability."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from companies.tests.factories import member
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from quotes import receipts, services
from quotes.choices import QuoteStatus
from quotes.models import ImmutableRecordError, Quote, QuoteLine, QuoteRevision
from quotes.tests.factories import draft_quote, lines_for, submitted_quote
from tenders import services as tender_services

pytestmark = pytest.mark.django_db


def test_create_refuses_a_supplier_that_cannot_see_the_tender(tender, outsider, outsider_company):
    with pytest.raises(NotFound):
        services.quote_create(tender=tender, supplier=outsider_company, actor=outsider)
    assert not Quote.objects.exists()


def test_create_needs_quote_edit(tender, supplier_a_company):
    viewer = member(supplier_a_company, "viewer").user
    with pytest.raises(PermissionDenied):
        services.quote_create(tender=tender, supplier=supplier_a_company, actor=viewer)


def test_one_quote_per_supplier_and_tender(tender, supplier_a, supplier_a_company):
    draft_quote(tender, supplier_a_company, supplier_a)
    with pytest.raises(InvalidState, match="already has a quote"):
        draft_quote(tender, supplier_a_company, supplier_a)


def test_invalid_lines_store_nothing(tender, supplier_a, supplier_a_company):
    item = tender.items.first()
    bad = [{"item": item.pk, "unit_price": "-1", "quantity": "0"}, {"item": 999999, "unit_price": "1", "quantity": "1"}]
    with pytest.raises(ValidationFailed) as caught:
        services.quote_create(tender=tender, supplier=supplier_a_company, actor=supplier_a, data={"lines": bad})
    assert set(caught.value.errors) == {"lines.0.unit_price", "lines.0.quantity", "lines.1.item"}
    assert not Quote.objects.exists()
    assert not QuoteLine.objects.exists()


def test_floats_and_excess_decimals_are_refused(tender, supplier_a, supplier_a_company):
    item = tender.items.first()
    for price, message in ((0.1, "floats"), ("1.00001", "4 decimal")):
        with pytest.raises(ValidationFailed) as caught:
            services.quote_create(
                tender=tender,
                supplier=supplier_a_company,
                actor=supplier_a,
                data={"lines": [{"item": item.pk, "unit_price": price, "quantity": "1"}]},
            )
        assert message in " ".join(caught.value.errors["lines.0.unit_price"])


def test_submit_creates_revision_with_server_totals_and_receipt(tender, supplier_a, supplier_a_company, outbox):
    quote = draft_quote(tender, supplier_a_company, supplier_a, prices=["33.3333", "0.1"])
    revision = services.quote_submit(quote=quote, actor=supplier_a)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SUBMITTED
    assert quote.current_revision == revision
    assert revision.number == 1
    # 10 x 33.3333 = 333.333 -> 333.33; 10 x 0.1 = 1.00
    assert revision.total == Decimal("334.33")
    assert revision.content["totals"]["total"] == "334.33"
    assert [line["total"] for line in revision.content["lines"]] == ["333.33", "1.00"]
    assert revision.content_sha256 == receipts.sha256_hex(revision.content)
    assert revision.content["submitted_at"].endswith("Z")
    assert quote.confirmed_version == tender.version
    [event] = outbox("quote.submitted")
    assert event.payload["content_sha256"] == revision.content_sha256
    assert "total" not in event.payload  # events carry receipts, never prices


def test_client_totals_are_ignored(tender, supplier_a, supplier_a_company):
    data = {"lines": lines_for(tender, ["5", "5"], total="1.00", subtotal="1.00"), "total": "1.00"}
    quote = services.quote_create(tender=tender, supplier=supplier_a_company, actor=supplier_a, data=data)
    revision = services.quote_submit(quote=quote, actor=supplier_a)
    assert revision.total == Decimal("100.00")


def test_resubmission_creates_the_next_revision_and_keeps_the_first(tender, supplier_a, supplier_a_company):
    quote = submitted_quote(tender, supplier_a_company, supplier_a, prices=["10", "10"])
    first = quote.current_revision
    services.quote_update(quote=quote, actor=supplier_a, data={"lines": lines_for(tender, ["9", "9"])})
    # The working copy changed; the submitted revision did not.
    first.refresh_from_db()
    assert first.total == Decimal("200.00")
    second = services.quote_submit(quote=quote, actor=supplier_a)
    assert second.number == 2
    assert second.total == Decimal("180.00")
    assert list(quote.revisions.values_list("number", flat=True)) == [1, 2]
    quote.refresh_from_db()
    assert quote.current_revision == second


def test_incomplete_quote_is_refused_unless_partial_quotes_are_allowed(tender, supplier_a, supplier_a_company):
    quote = draft_quote(tender, supplier_a_company, supplier_a, prices=["10"])
    with pytest.raises(ValidationFailed, match="cannot be submitted") as caught:
        services.quote_submit(quote=quote, actor=supplier_a)
    assert "missing item(s): 2" in caught.value.errors["lines"][0]
    assert not QuoteRevision.objects.exists()
    tender.allow_partial_quotes = True
    tender.save(update_fields=["allow_partial_quotes"])
    assert services.quote_submit(quote=quote, actor=supplier_a).line_count == 1


def test_validity_must_reach_the_opening_day(tender, supplier_a, supplier_a_company):
    quote = draft_quote(tender, supplier_a_company, supplier_a, validity_date=timezone.localdate())
    with pytest.raises(ValidationFailed) as caught:
        services.quote_submit(quote=quote, actor=supplier_a)
    assert "validity_date" in caught.value.errors


def test_submission_one_second_after_the_deadline_is_refused_and_stores_nothing(
    tender, supplier_a, supplier_a_company, audit_log, outbox
):
    quote = draft_quote(tender, supplier_a_company, supplier_a)
    audit_before = len(audit_log())
    with (
        time_machine.travel(tender.submission_deadline + timedelta(seconds=1), tick=False),
        pytest.raises(InvalidState) as caught,
    ):
        services.quote_submit(quote=quote, actor=supplier_a, data={"lines": lines_for(tender, ["1", "1"])})
    assert "deadline" in caught.value.message
    assert "nothing was stored" in caught.value.message
    assert caught.value.extra["submission_deadline"] == tender.submission_deadline.isoformat()
    assert not QuoteRevision.objects.exists()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT
    assert [line.unit_price for line in quote.lines.all()] == [Decimal("10"), Decimal("10")]  # the late lines: no
    assert len(audit_log()) == audit_before
    assert outbox("quote.submitted") == []


def test_a_new_quote_after_the_deadline_is_not_even_a_draft(tender, supplier_a, supplier_a_company):
    with (
        time_machine.travel(tender.submission_deadline + timedelta(seconds=1), tick=False),
        pytest.raises(InvalidState, match="deadline"),
    ):
        draft_quote(tender, supplier_a_company, supplier_a)
    assert not Quote.objects.exists()


def test_submission_one_second_before_the_deadline_is_accepted(tender, supplier_a, supplier_a_company):
    quote = draft_quote(tender, supplier_a_company, supplier_a)
    with time_machine.travel(tender.submission_deadline - timedelta(seconds=1), tick=False):
        revision = services.quote_submit(quote=quote, actor=supplier_a)
    assert revision.submitted_at == tender.submission_deadline - timedelta(seconds=1)


def test_submission_at_the_deadline_instant_is_late(tender, supplier_a, supplier_a_company):
    quote = draft_quote(tender, supplier_a_company, supplier_a)
    with time_machine.travel(tender.submission_deadline, tick=False), pytest.raises(InvalidState):
        services.quote_submit(quote=quote, actor=supplier_a)


def test_withdraw_and_submit_again(tender, supplier_a, supplier_a_company, outbox):
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    services.quote_withdraw(quote=quote, actor=supplier_a, reason="Prices changed")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.WITHDRAWN
    assert quote.revisions.count() == 1  # nothing is lost
    assert len(outbox("quote.withdrawn")) == 1
    revision = services.quote_submit(quote=quote, actor=supplier_a)
    quote.refresh_from_db()
    assert (quote.status, revision.number) == (QuoteStatus.SUBMITTED, 2)


def test_withdraw_after_the_deadline_is_refused(tender, supplier_a, supplier_a_company):
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    with (
        time_machine.travel(tender.submission_deadline + timedelta(seconds=1), tick=False),
        pytest.raises(InvalidState),
    ):
        services.quote_withdraw(quote=quote, actor=supplier_a)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SUBMITTED


def test_another_supplier_cannot_touch_a_quote(tender, supplier_a, supplier_a_company, supplier_b):
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    for call in (
        lambda: services.quote_update(quote=quote, actor=supplier_b, data={"notes": "x"}),
        lambda: services.quote_submit(quote=quote, actor=supplier_b),
        lambda: services.quote_withdraw(quote=quote, actor=supplier_b),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_material_amendment_needs_confirmation_then_confirm_bumps_the_version(
    tender, buyer, supplier_a, supplier_a_company, audit_log
):
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    tender_services.tender_amend(
        tender=tender,
        actor=buyer,
        reason="More time",
        changes={"submission_deadline": tender.submission_deadline + timedelta(days=2)},
    )
    tender.refresh_from_db()
    quote.refresh_from_db()
    assert services.needs_confirmation(quote, tender)
    revision = quote.current_revision
    services.quote_confirm(quote=quote, actor=supplier_a)
    quote.refresh_from_db()
    assert quote.confirmed_version == tender.version == 2
    assert quote.current_revision == revision  # no price change, no new revision
    assert not services.needs_confirmation(quote, tender)
    [event] = audit_log(type="quote.confirmed")
    assert event.data["after"]["confirmed_version"] == 2
    with pytest.raises(InvalidState, match="already confirmed"):
        services.quote_confirm(quote=quote, actor=supplier_a)


def test_confirm_is_refused_when_the_items_changed(tender, buyer, supplier_a, supplier_a_company):
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    items = [{"id": item.pk} for item in tender.items.order_by("number")]
    items.append({"description": "New item", "quantity": "5", "unit": "pc"})
    tender_services.tender_amend(tender=tender, actor=buyer, reason="One more item", changes={"items": items})
    with pytest.raises(InvalidState, match="revise"):
        services.quote_confirm(quote=quote, actor=supplier_a)


def test_removing_an_item_by_amendment_keeps_the_submitted_revision(tender, buyer, supplier_a, supplier_a_company):
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    first_item = tender.items.order_by("number").first()
    tender_services.tender_amend(
        tender=tender, actor=buyer, reason="Item 2 dropped", changes={"items": [{"id": first_item.pk}]}
    )
    quote.refresh_from_db()
    assert quote.lines.count() == 1  # the working copy follows the tender
    assert quote.current_revision.line_count == 2  # what was submitted stays as submitted
    assert receipts.matches(quote.current_revision.content, quote.current_revision.content_sha256)


def test_submitted_revision_cannot_be_changed_or_deleted_through_the_orm(tender, supplier_a, supplier_a_company):
    quote = submitted_quote(tender, supplier_a_company, supplier_a, prices=["10", "10"])
    revision = quote.current_revision
    revision.total = Decimal("1.00")
    revision.content["lines"][0]["unit_price"] = "0.0100"
    with pytest.raises(ImmutableRecordError):
        revision.save()
    with pytest.raises(ImmutableRecordError):
        revision.delete()
    with pytest.raises(ImmutableRecordError):
        QuoteRevision.objects.filter(pk=revision.pk).update(total=Decimal("1.00"))
    with pytest.raises(ImmutableRecordError):
        QuoteRevision.objects.filter(pk=revision.pk).delete()
    with pytest.raises(ImmutableRecordError):
        QuoteRevision.objects.bulk_update([revision], ["total"])
    stored = QuoteRevision.objects.get(pk=revision.pk)
    assert stored.total == Decimal("200.00")
    assert stored.content["lines"][0]["unit_price"] == "10.0000"


def test_draft_can_be_deleted_but_a_submitted_quote_cannot(tender, supplier_a, supplier_a_company):
    quote = draft_quote(tender, supplier_a_company, supplier_a)
    services.quote_delete_draft(quote=quote, actor=supplier_a)
    assert not Quote.objects.exists()
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    with pytest.raises(InvalidState):
        services.quote_delete_draft(quote=quote, actor=supplier_a)


def test_deleting_a_draft_removes_its_files_only_once_the_delete_is_committed(
    tender, supplier_a, supplier_a_company, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    quote = draft_quote(tender, supplier_a_company, supplier_a)
    upload = SimpleUploadedFile("datasheet.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = services.attachment_add(quote=quote, actor=supplier_a, upload=upload)
    storage, name = attachment.file.storage, attachment.file.name

    def delete_then_fail() -> None:
        with transaction.atomic():
            services.quote_delete_draft(quote=quote, actor=supplier_a)
            raise RuntimeError("rolled back after the delete")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert Quote.objects.filter(pk=quote.pk).exists()
    assert storage.exists(name)  # the rows came back, and so must the file they name

    with django_capture_on_commit_callbacks(execute=True):
        services.quote_delete_draft(quote=quote, actor=supplier_a)
    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert not storage.exists(name)


def test_line_set_and_remove(tender, supplier_a, supplier_a_company):
    quote = draft_quote(tender, supplier_a_company, supplier_a, prices=["10"])
    second = tender.items.order_by("number")[1]
    services.quote_line_set(quote=quote, actor=supplier_a, item=second, data={"unit_price": "2.5", "quantity": "4"})
    assert quote.lines.get(item=second).unit_price == Decimal("2.5")
    services.quote_line_remove(quote=quote, actor=supplier_a, item=second)
    with pytest.raises(NotFound):
        services.quote_line_remove(quote=quote, actor=supplier_a, item=second)


def test_attachment_goes_into_the_next_revision(tender, supplier_a, supplier_a_company):
    from django.core.files.uploadedfile import SimpleUploadedFile

    quote = draft_quote(tender, supplier_a_company, supplier_a)
    upload = SimpleUploadedFile("datasheet.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = services.attachment_add(quote=quote, actor=supplier_a, upload=upload)
    revision = services.quote_submit(quote=quote, actor=supplier_a)
    assert revision.content["attachments"] == [
        {"id": attachment.pk, "filename": "datasheet.pdf", "size": 13, "sha256": attachment.sha256}
    ]
    services.attachment_remove(quote=quote, actor=supplier_a, attachment=attachment)
    attachment.refresh_from_db()
    assert attachment.removed_at is not None
    assert attachment.file.storage.exists(attachment.file.name)


def test_postgres_trigger_refuses_raw_sql_changes_of_revisions(tender, supplier_a, supplier_a_company):
    from cotai.testing import need_service, using_postgres

    need_service("PostgreSQL", using_postgres(), "the immutability trigger exists only there")
    from django.db import IntegrityError, transaction

    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    revision = quote.current_revision
    for sql in (
        "UPDATE quotes_quoterevision SET total = 1 WHERE id = %s",
        "DELETE FROM quotes_quoterevision WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [revision.pk])
    assert QuoteRevision.objects.get(pk=revision.pk).total == revision.total
