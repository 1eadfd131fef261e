"""Pages for what was API-only: tender documents, shortlist and reject, the opening committee and quote
attachments. Each is driven through plain forms (the no-JavaScript path): the happy path, a field error
shown next to its field, and another company's member meeting 404.
"""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from companies.tests.factories import CategoryFactory
from quotes import services as quote_services
from quotes.choices import QuoteStatus
from quotes.models import QuoteAttachment
from quotes.tests.factories import draft_quote, open_now, published_tender, submitted_quote
from reports.tests.test_pages import assert_no_inline_code
from tenders import services as tender_services
from tenders.models import Amendment, TenderDocument, TenderOpener
from tenders.tests.factories import TenderFactory

pytestmark = pytest.mark.django_db


def pdf(content: bytes = b"%PDF-1.4 chairs v1", name: str = "spec.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def category(db):
    return CategoryFactory()


@pytest.fixture
def supplying(supplier_a_company, category):
    supplier_a_company.categories.add(category)


# --- tender documents ----------------------------------------------------------------------------------------
def test_buyer_uploads_a_document_to_a_draft_and_replaces_it_keeping_every_version(client, buyer, buyer_company):
    tender = TenderFactory(buyer=buyer_company, items=1)
    client.force_login(buyer)
    first, second = b"%PDF-1.4 chairs v1", b"%PDF-1.4 chairs v2"
    response = client.post(
        reverse("tenders:document-upload", kwargs={"pk": tender.pk}),
        {"document-title": "Chair specification", "document-file": pdf(first)},
    )
    assert response.status_code == 302
    document = TenderDocument.objects.get(tender=tender)
    response = client.post(
        reverse("tenders:document-replace", kwargs={"pk": tender.pk, "document_pk": document.pk}),
        {f"doc-{document.pk}-file": pdf(second, "spec-v2.pdf"), f"doc-{document.pk}-note": "New colours"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.current_version == 2
    page = client.get(reverse("tenders:detail", kwargs={"pk": tender.pk}))
    html = page.content.decode()
    assert hashlib.sha256(first).hexdigest() in html
    assert hashlib.sha256(second).hexdigest() in html
    assert "spec-v2.pdf" in html
    assert "New colours" in html
    assert_no_inline_code(page)
    old = client.get(
        reverse("tenders:document-version", kwargs={"pk": tender.pk, "document_pk": document.pk, "number": 1})
    )
    assert body(old) == first
    assert body(client.get(reverse("tenders:document", kwargs={"pk": tender.pk, "document_pk": document.pk}))) == second


def test_a_document_for_a_published_tender_needs_a_reason_shown_next_to_the_field(
    client, buyer, buyer_company, category
):
    tender = published_tender(buyer_company, category, items=1)
    client.force_login(buyer)
    url = reverse("tenders:document-upload", kwargs={"pk": tender.pk})
    response = client.post(url, {"document-title": "Drawing", "document-file": pdf()})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_document-reason_error"' in html
    assert not TenderDocument.objects.filter(tender=tender).exists()
    response = client.post(
        url, {"document-title": "Drawing", "document-file": pdf(), "document-reason": "Drawing added"}
    )
    assert response.status_code == 302
    assert Amendment.objects.filter(tender=tender, reason="Drawing added").exists()


def test_a_refused_file_type_is_reported_on_the_file_field(client, buyer, buyer_company):
    tender = TenderFactory(buyer=buyer_company, items=1)
    client.force_login(buyer)
    response = client.post(
        reverse("tenders:document-upload", kwargs={"pk": tender.pk}),
        {"document-file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")},
    )
    assert response.status_code == 400
    assert 'id="id_document-file_error"' in response.content.decode()
    assert not TenderDocument.objects.exists()


def test_a_supplier_who_sees_the_tender_lists_and_downloads_its_documents_but_cannot_upload(
    client, buyer, buyer_company, supplier_a, supplying, category
):
    tender = published_tender(buyer_company, category, items=1)
    version = tender_services.document_upload(
        tender=tender, actor=buyer, upload=pdf(b"%PDF-1.4 public"), title="Terms", reason="Terms added"
    )
    client.force_login(supplier_a)
    html = client.get(reverse("tenders:detail", kwargs={"pk": tender.pk})).content.decode()
    assert version.sha256 in html
    assert f'action="{reverse("tenders:document-upload", kwargs={"pk": tender.pk})}"' not in html
    kwargs = {"pk": tender.pk, "document_pk": version.document_id, "number": 1}
    assert body(client.get(reverse("tenders:document-version", kwargs=kwargs))) == b"%PDF-1.4 public"
    refused = client.post(
        reverse("tenders:document-upload", kwargs={"pk": tender.pk}), {"document-file": pdf(), "document-reason": "x"}
    )
    assert refused.status_code == 404
    assert TenderDocument.objects.count() == 1


def test_another_company_meets_404_on_the_document_pages(client, buyer, buyer_company, outsider):
    tender = TenderFactory(buyer=buyer_company, items=1)
    version = tender_services.document_upload(tender=tender, actor=buyer, upload=pdf(), title="Spec")
    client.force_login(outsider)
    ids = {"pk": tender.pk, "document_pk": version.document_id}
    assert client.get(reverse("tenders:document-version", kwargs={**ids, "number": 1})).status_code == 404
    assert client.post(reverse("tenders:document-replace", kwargs=ids), {}).status_code == 404
    assert client.post(reverse("tenders:document-upload", kwargs={"pk": tender.pk}), {}).status_code == 404
    assert TenderDocument.objects.get().current_version == 1


# --- shortlist and reject ------------------------------------------------------------------------------------
@pytest.fixture
def opened_quote(buyer_company, supplier_a_company, supplier_a, supplying, category):
    tender = published_tender(buyer_company, category, items=1)
    quote = submitted_quote(tender, supplier_a_company, supplier_a)
    open_now(tender)
    quote.refresh_from_db()
    return quote


def test_buyer_shortlists_and_rejects_with_a_confirmation_step(client, buyer, opened_quote):
    client.force_login(buyer)
    comparison = client.get(reverse("quotes:comparison", kwargs={"tender_pk": opened_quote.tender_id}))
    assert reverse("quotes:shortlist", kwargs={"pk": opened_quote.pk}) in comparison.content.decode()
    assert_no_inline_code(comparison)
    response = client.post(reverse("quotes:shortlist", kwargs={"pk": opened_quote.pk}))
    assert response.status_code == 302
    opened_quote.refresh_from_db()
    assert opened_quote.status == QuoteStatus.SHORTLISTED

    url = reverse("quotes:reject", kwargs={"pk": opened_quote.pk})
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Reject the quote of Supplier A?" in confirm.content.decode()
    opened_quote.refresh_from_db()
    assert opened_quote.status == QuoteStatus.SHORTLISTED  # the confirmation page changes nothing
    response = client.post(url, {"reason": "Delivery too late"})
    assert response.status_code == 302
    opened_quote.refresh_from_db()
    assert opened_quote.status == QuoteStatus.REJECTED
    assert opened_quote.decision_reason == "Delivery too late"


def test_rejecting_without_a_reason_shows_the_error_next_to_the_field(client, buyer, opened_quote):
    client.force_login(buyer)
    response = client.post(reverse("quotes:reject", kwargs={"pk": opened_quote.pk}), {"reason": ""})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    opened_quote.refresh_from_db()
    assert opened_quote.status == QuoteStatus.OPENED


def test_another_company_meets_404_on_shortlist_and_reject(client, outsider, supplier_a, opened_quote):
    for person in (outsider, supplier_a):  # the supplier owns the quote but does not decide on it
        client.force_login(person)
        assert client.post(reverse("quotes:shortlist", kwargs={"pk": opened_quote.pk})).status_code == 404
        assert client.get(reverse("quotes:reject", kwargs={"pk": opened_quote.pk})).status_code == 404
        response = client.post(reverse("quotes:reject", kwargs={"pk": opened_quote.pk}), {"reason": "No"})
        assert response.status_code == 404
    opened_quote.refresh_from_db()
    assert opened_quote.status == QuoteStatus.OPENED


# --- the opening committee -------------------------------------------------------------------------------------
def test_buyer_names_the_openers_and_the_quorum_on_the_draft_editor(client, buyer, buyer_admin, buyer_company):
    tender = TenderFactory(buyer=buyer_company, items=1, committee_opening_required=True)
    client.force_login(buyer)
    editor = client.get(reverse("tenders:edit", kwargs={"pk": tender.pk}))
    assert reverse("tenders:openers", kwargs={"pk": tender.pk}) in editor.content.decode()
    assert_no_inline_code(editor)
    response = client.post(
        reverse("tenders:openers", kwargs={"pk": tender.pk}),
        {"committee-openers": [buyer.pk, buyer_admin.pk], "committee-committee_quorum": "2"},
    )
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.committee_quorum == 2
    assert set(TenderOpener.objects.filter(tender=tender).values_list("user_id", flat=True)) == {
        buyer.pk,
        buyer_admin.pk,
    }


def test_a_quorum_above_the_named_openers_or_a_non_member_is_refused_in_place(client, buyer, buyer_company, supplier_a):
    tender = TenderFactory(buyer=buyer_company, items=1, committee_opening_required=True)
    client.force_login(buyer)
    url = reverse("tenders:openers", kwargs={"pk": tender.pk})
    response = client.post(url, {"committee-openers": [buyer.pk], "committee-committee_quorum": "2"})
    assert response.status_code == 400
    assert 'id="id_committee-committee_quorum_error"' in response.content.decode()
    response = client.post(url, {"committee-openers": [supplier_a.pk], "committee-committee_quorum": "1"})
    assert response.status_code == 400
    assert 'id="id_committee-openers_error"' in response.content.decode()
    assert not TenderOpener.objects.exists()


def test_another_company_meets_404_on_the_openers_form(client, outsider, buyer_company):
    tender = TenderFactory(buyer=buyer_company, items=1, committee_opening_required=True)
    client.force_login(outsider)
    response = client.post(
        reverse("tenders:openers", kwargs={"pk": tender.pk}),
        {"committee-openers": [outsider.pk], "committee-committee_quorum": "1"},
    )
    assert response.status_code == 404
    assert not TenderOpener.objects.exists()


# --- quote attachments -----------------------------------------------------------------------------------------
@pytest.fixture
def own_quote(buyer_company, supplier_a_company, supplier_a, supplying, category):
    tender = published_tender(buyer_company, category, items=1)
    return draft_quote(tender, supplier_a_company, supplier_a)


def test_supplier_attaches_a_file_and_sees_its_size_and_sha256(client, supplier_a, own_quote):
    client.force_login(supplier_a)
    content = b"%PDF-1.4 datasheet"
    response = client.post(reverse("quotes:attachment-add", kwargs={"pk": own_quote.pk}), {"file": pdf(content)})
    assert response.status_code == 302
    attachment = QuoteAttachment.objects.get(quote=own_quote)
    editor = client.get(reverse("quotes:edit", kwargs={"pk": own_quote.pk}))
    html = editor.content.decode()
    assert hashlib.sha256(content).hexdigest() in html
    assert "18\xa0bytes" in html  # filesizeformat keeps number and unit together
    assert_no_inline_code(editor)
    download = client.get(reverse("quotes:attachment", kwargs={"pk": own_quote.pk, "attachment_pk": attachment.pk}))
    assert body(download) == content
    client.post(reverse("quotes:attachment-remove", kwargs={"pk": own_quote.pk, "attachment_pk": attachment.pk}))
    attachment.refresh_from_db()
    assert attachment.removed_at is not None


def test_a_refused_attachment_is_reported_on_the_file_field(client, supplier_a, own_quote):
    client.force_login(supplier_a)
    response = client.post(
        reverse("quotes:attachment-add", kwargs={"pk": own_quote.pk}),
        {"file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")},
    )
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode()
    assert not QuoteAttachment.objects.exists()


def test_the_buyer_downloads_an_attachment_only_after_the_opening(client, buyer, supplier_a, own_quote):
    attachment = quote_services.attachment_add(quote=own_quote, actor=supplier_a, upload=pdf(b"%PDF-1.4 sealed"))
    quote_services.quote_submit(quote=own_quote, actor=supplier_a)
    url = reverse("quotes:attachment", kwargs={"pk": own_quote.pk, "attachment_pk": attachment.pk})
    client.force_login(buyer)
    assert client.get(url).status_code == 404  # sealed until the opening
    open_now(own_quote.tender)
    assert body(client.get(url)) == b"%PDF-1.4 sealed"
    comparison = client.get(reverse("quotes:comparison", kwargs={"tender_pk": own_quote.tender_id}))
    assert attachment.sha256 in comparison.content.decode()


def test_another_company_meets_404_on_the_attachment_pages(client, outsider, supplier_a, own_quote):
    attachment = quote_services.attachment_add(quote=own_quote, actor=supplier_a, upload=pdf())
    client.force_login(outsider)
    ids = {"pk": own_quote.pk, "attachment_pk": attachment.pk}
    assert client.get(reverse("quotes:attachment", kwargs=ids)).status_code == 404
    assert client.post(reverse("quotes:attachment-remove", kwargs=ids)).status_code == 404
    assert (
        client.post(reverse("quotes:attachment-add", kwargs={"pk": own_quote.pk}), {"file": pdf()}).status_code == 404
    )
    attachment.refresh_from_db()
    assert attachment.removed_at is None
    assert QuoteAttachment.objects.count() == 1
