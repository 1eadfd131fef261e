"""Who sees which tender, question and invitation (DESIGN rule 1)."""

from __future__ import annotations

import pytest

from companies.tests.factories import CategoryFactory, CompanyFactory, member
from cotai.exceptions import NotFound
from tenders import selectors, services
from tenders.choices import Visibility
from tenders.tests.factories import TenderFactory

pytestmark = pytest.mark.django_db


def visible(actor, company) -> set[int]:
    return set(selectors.tender_list_for(actor=actor, company=company).values_list("pk", flat=True))


def test_the_buyer_sees_its_drafts_and_suppliers_do_not(
    draft, buyer, buyer_company, supplier_a, supplier_a_company, suppliers_in_category
):
    assert visible(buyer, buyer_company) == {draft.pk}
    assert visible(supplier_a, supplier_a_company) == set()
    with pytest.raises(NotFound):
        selectors.tender_get_for(actor=supplier_a, company=supplier_a_company, pk=draft.pk)


def test_a_public_tender_is_seen_by_suppliers_of_its_category_only(
    published, supplier_a, supplier_a_company, outsider, outsider_company
):
    assert visible(supplier_a, supplier_a_company) == {published.pk}
    assert visible(outsider, outsider_company) == set()
    assert selectors.supplier_can_see(published, supplier_a_company)
    assert not selectors.supplier_can_see(published, outsider_company)


def test_a_supplier_of_a_parent_category_sees_tenders_of_its_subcategories(buyer, buyer_company):
    parent = CategoryFactory(code="goods.test-parent", slug="goods-test-parent")
    child = CategoryFactory(code="goods.test-parent.child", slug="goods-test-parent-child", parent=parent)
    lookalike = CategoryFactory(code="goods.test-parent-two", slug="goods-test-parent-two")
    broad = CompanyFactory(kind="supplier")
    broad.categories.add(parent)
    rep = member(broad, "supplier_rep").user
    in_child = services.tender_publish(tender=TenderFactory(buyer=buyer_company, category=child), actor=buyer)
    in_lookalike = services.tender_publish(tender=TenderFactory(buyer=buyer_company, category=lookalike), actor=buyer)
    assert visible(rep, broad) == {in_child.pk}
    assert in_lookalike.pk not in visible(rep, broad)
    assert broad in selectors.supplier_companies_for(in_child)
    assert broad not in selectors.supplier_companies_for(in_lookalike)


def test_an_invited_only_tender_is_hidden_from_suppliers_not_invited(
    buyer,
    buyer_company,
    category,
    suppliers_in_category,
    supplier_a,
    supplier_a_company,
    supplier_b,
    supplier_b_company,
):
    tender = TenderFactory(buyer=buyer_company, category=category, visibility=Visibility.INVITED)
    services.invitation_create(tender=tender, actor=buyer, supplier=supplier_a_company)
    services.tender_publish(tender=tender, actor=buyer)
    assert tender.pk in visible(supplier_a, supplier_a_company)
    assert tender.pk not in visible(supplier_b, supplier_b_company), "same category, but not invited"
    with pytest.raises(NotFound):
        selectors.tender_get_for(actor=supplier_b, company=supplier_b_company, pk=tender.pk)
    assert set(selectors.supplier_companies_for(tender)) == {supplier_a_company}


def test_an_email_invitation_shows_the_tender_to_the_company_of_that_person(buyer, buyer_company, category):
    tender = TenderFactory(buyer=buyer_company, category=category, visibility=Visibility.INVITED)
    services.invitation_create(tender=tender, actor=buyer, email="joana@novo.example")
    services.tender_publish(tender=tender, actor=buyer)
    newcomer = CompanyFactory(kind="supplier")
    assert not selectors.supplier_can_see(tender, newcomer)
    joana = member(newcomer, "supplier_rep", email="joana@novo.example").user
    assert visible(joana, newcomer) == {tender.pk}
    assert newcomer in selectors.supplier_companies_for(tender)


def test_a_tender_cancelled_after_publishing_stays_visible_but_a_cancelled_draft_does_not(
    buyer, buyer_company, category, suppliers_in_category, supplier_a, supplier_a_company
):
    was_published = services.tender_publish(tender=TenderFactory(buyer=buyer_company, category=category), actor=buyer)
    services.tender_cancel(tender=was_published, actor=buyer, reason="r")
    never_published = TenderFactory(buyer=buyer_company, category=category)
    services.tender_cancel(tender=never_published, actor=buyer, reason="r")
    assert visible(supplier_a, supplier_a_company) == {was_published.pk}


def test_an_api_key_without_the_read_scope_sees_nothing(published, buyer_company):
    from accounts.principals import ApiKeyPrincipal
    from accounts.tests.factories import ApiKeyFactory

    reader = ApiKeyPrincipal(ApiKeyFactory(company=buyer_company, scopes=["tenders:read"]))
    writer = ApiKeyPrincipal(ApiKeyFactory(company=buyer_company, scopes=["quotes:read"]))
    assert visible(reader, buyer_company) == {published.pk}
    assert visible(writer, buyer_company) == set()


def test_malformed_ids_are_not_found(buyer, buyer_company):
    with pytest.raises(NotFound):
        selectors.tender_get_for(actor=buyer, company=buyer_company, pk="1 OR 1=1")


def test_suppliers_see_published_answers_and_their_own_questions(
    published, buyer, buyer_company, supplier_a, supplier_a_company, supplier_b, supplier_b_company
):
    answered = services.clarification_ask(tender=published, actor=supplier_a, company=supplier_a_company, question="A?")
    services.clarification_answer(clarification=answered, actor=buyer, answer="Yes.")
    pending_a = services.clarification_ask(
        tender=published, actor=supplier_a, company=supplier_a_company, question="B?"
    )
    pending_b = services.clarification_ask(
        tender=published, actor=supplier_b, company=supplier_b_company, question="C?"
    )

    def ids(company):
        return list(selectors.clarifications_for(tender=published, company=company).values_list("pk", flat=True))

    assert ids(buyer_company) == [answered.pk, pending_a.pk, pending_b.pk]
    assert ids(supplier_a_company) == [answered.pk, pending_a.pk]
    assert ids(supplier_b_company) == [answered.pk, pending_b.pk]


def test_suppliers_see_only_their_own_invitation(
    published, buyer, buyer_company, supplier_a_company, supplier_b_company
):
    mine = services.invitation_create(tender=published, actor=buyer, supplier=supplier_a_company)
    theirs = services.invitation_create(tender=published, actor=buyer, supplier=supplier_b_company)
    assert set(selectors.invitations_for(tender=published, company=buyer_company)) == {mine, theirs}
    assert list(selectors.invitations_for(tender=published, company=supplier_a_company)) == [mine]


def test_documents_are_reachable_only_through_a_visible_tender(
    published, buyer, supplier_a, supplier_a_company, outsider, outsider_company
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = services.document_upload(
        tender=published, actor=buyer, upload=SimpleUploadedFile("a.txt", b"hello"), title="Notes", reason="Notes added"
    )
    found = selectors.document_version_for(
        actor=supplier_a, company=supplier_a_company, tender_pk=published.pk, document_pk=version.document_id
    )
    assert found == version
    with pytest.raises(NotFound):
        selectors.document_version_for(
            actor=outsider, company=outsider_company, tender_pk=published.pk, document_pk=version.document_id
        )
