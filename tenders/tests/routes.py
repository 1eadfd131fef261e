"""Every API route of the tenders app, with the status each persona must get.

Checked by tests/test_route_permissions.py; see companies/testing.py for how cases are written.
Buy-side routes act on a tender of ``world.company``; supply-side routes (ask, decline, accept) act
on another buyer's tender that ``world.company`` may see as a supplier. The outsider acts for its
own company and meets ids it may not see: 404.
"""

from __future__ import annotations

import atexit
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from companies.testing import RouteCase, RouteWorld, for_roles
from companies.tests.factories import CategoryFactory, CompanyFactory, member
from tenders import services
from tenders.choices import Visibility
from tenders.models import TenderDocument, TenderDocumentVersion
from tenders.tests.factories import TenderFactory

BUYERS = ("owner", "admin", "buyer")  # tender.create/edit/publish/amend/cancel/invite, clarification.answer
SUPPLIERS = ("owner", "admin", "supplier_rep")  # clarification.ask, answering invitations


def _category(world: RouteWorld) -> Any:
    if "category" not in world.extras:
        world.extras["category"] = CategoryFactory()
    return world.extras["category"]


def _draft(world: RouteWorld) -> Any:
    if "draft" not in world.extras:
        world.extras["draft"] = TenderFactory(buyer=world.company, category=_category(world), items=2)
    return world.extras["draft"]


def _published(world: RouteWorld) -> Any:
    if "published" not in world.extras:
        tender = TenderFactory(buyer=world.company, category=_category(world))
        world.extras["published"] = services.tender_publish(tender=tender, actor=member(world.company, "buyer").user)
    return world.extras["published"]


def _foreign(world: RouteWorld, *, invited: bool) -> Any:
    """A published tender of another buyer that world.company sees as a supplier (category or invitation)."""
    other = CompanyFactory(kind="buyer")
    other_buyer = member(other, "buyer").user
    category = _category(world)
    world.company.categories.add(category)
    tender = TenderFactory(buyer=other, category=category, visibility=Visibility.INVITED if invited else "public")
    world.extras["invitation"] = services.invitation_create(tender=tender, actor=other_buyer, supplier=world.company)
    return services.tender_publish(tender=tender, actor=other_buyer)


def _pk_draft(world: RouteWorld) -> dict[str, Any]:
    return {"pk": _draft(world).pk}


def _pk_published(world: RouteWorld) -> dict[str, Any]:
    return {"pk": _published(world).pk}


def _tender_draft(world: RouteWorld) -> dict[str, Any]:
    return {"tender_pk": _draft(world).pk}


def _tender_published(world: RouteWorld) -> dict[str, Any]:
    return {"tender_pk": _published(world).pk}


def _item(world: RouteWorld) -> dict[str, Any]:
    return {"tender_pk": _draft(world).pk, "pk": _draft(world).items.order_by("number").first().pk}


def _reorder(world: RouteWorld) -> dict[str, Any]:
    return {"order": list(_draft(world).items.order_by("-number").values_list("pk", flat=True))}


def _document(world: RouteWorld) -> dict[str, Any]:
    tender = _published(world)
    document = TenderDocument.objects.create(tender=tender, title="Spec")
    version = TenderDocumentVersion(
        document=document, number=1, filename="spec.txt", content_type="text/plain", size=5, sha256="0" * 64
    )
    version.file.save("spec.txt", ContentFile(b"hello"), save=False)
    # The route test has no per-test media folder; the file goes when the test process ends.
    atexit.register(default_storage.delete, version.file.name)
    version.save()
    return {"tender_pk": tender.pk, "pk": document.pk}


def _foreign_invitation(world: RouteWorld) -> dict[str, Any]:
    tender = _foreign(world, invited=True)
    return {"tender_pk": tender.pk, "pk": world.extras["invitation"].pk}


def _foreign_public(world: RouteWorld) -> dict[str, Any]:
    return {"tender_pk": _foreign(world, invited=False).pk}


def _question(world: RouteWorld) -> dict[str, Any]:
    tender = _published(world)
    supplier = CompanyFactory(kind="supplier")
    supplier.categories.add(_category(world))
    clarification = services.clarification_ask(
        tender=tender, actor=member(supplier, "supplier_rep").user, company=supplier, question="Which brand?"
    )
    return {"tender_pk": tender.pk, "pk": clarification.pk}


def _new_tender(world: RouteWorld) -> dict[str, Any]:
    return {"title": "Route check", "currency": "BRL"}


def _new_supplier(world: RouteWorld) -> dict[str, Any]:
    return {"supplier": CompanyFactory(kind="supplier").pk}


ROUTES: list[RouteCase] = [
    # --- tenders ---------------------------------------------------------------------------------------
    RouteCase("api:tender-list", for_roles(200, anonymous=401, outsider=200)),
    RouteCase(
        "api:tender-list",
        for_roles(201, BUYERS, anonymous=401, outsider=201),
        method="post",
        data=_new_tender,
        note="create a draft in one's own company",
    ),
    RouteCase("api:tender-detail", for_roles(200, anonymous=401), kwargs=_pk_draft),
    RouteCase(
        "api:tender-detail",
        for_roles(200, BUYERS, anonymous=401),
        method="patch",
        kwargs=_pk_draft,
        data=lambda world: {"title": "Renamed"},
    ),
    RouteCase("api:tender-publish", for_roles(200, BUYERS, anonymous=401), method="post", kwargs=_pk_draft),
    RouteCase(
        "api:tender-amend",
        for_roles(201, BUYERS, anonymous=401),
        method="post",
        kwargs=_pk_published,
        data=lambda world: {"reason": "Typo", "changes": {"title": "Corrected title"}},
    ),
    RouteCase(
        "api:tender-cancel",
        for_roles(200, BUYERS, anonymous=401),
        method="post",
        kwargs=_pk_published,
        data=lambda world: {"reason": "Budget cut"},
    ),
    # --- items -----------------------------------------------------------------------------------------
    RouteCase("api:tender-item-list", for_roles(200, anonymous=401), kwargs=_tender_draft),
    RouteCase(
        "api:tender-item-list",
        for_roles(201, BUYERS, anonymous=401),
        method="post",
        kwargs=_tender_draft,
        data=lambda world: {"description": "Wire", "quantity": "3", "unit": "m"},
    ),
    RouteCase("api:tender-item-detail", for_roles(200, anonymous=401), kwargs=_item),
    RouteCase(
        "api:tender-item-detail",
        for_roles(200, BUYERS, anonymous=401),
        method="patch",
        kwargs=_item,
        data=lambda world: {"quantity": "4"},
    ),
    RouteCase("api:tender-item-detail", for_roles(204, BUYERS, anonymous=401), method="delete", kwargs=_item),
    RouteCase(
        "api:tender-item-reorder",
        for_roles(200, BUYERS, anonymous=401),
        method="post",
        kwargs=_tender_draft,
        data=_reorder,
    ),
    # --- documents -------------------------------------------------------------------------------------
    RouteCase("api:tender-document-list", for_roles(200, anonymous=401), kwargs=_tender_published),
    RouteCase(
        "api:tender-document-list",
        for_roles(400, BUYERS, anonymous=401),
        method="post",
        kwargs=_tender_draft,
        note="a JSON body has no file: 400 once the role is allowed; uploads are tested in tenders/tests",
    ),
    RouteCase("api:tender-document-download", for_roles(200, anonymous=401), kwargs=_document),
    # --- invitations -----------------------------------------------------------------------------------
    RouteCase("api:tender-invitation-list", for_roles(200, anonymous=401), kwargs=_tender_published),
    RouteCase(
        "api:tender-invitation-list",
        for_roles(201, BUYERS, anonymous=401),
        method="post",
        kwargs=_tender_published,
        data=_new_supplier,
    ),
    RouteCase(
        "api:tender-invitation-decline",
        for_roles(200, SUPPLIERS, anonymous=401),
        method="post",
        kwargs=_foreign_invitation,
        data=lambda world: {"reason": "No capacity"},
    ),
    RouteCase(
        "api:tender-invitation-accept",
        for_roles(200, SUPPLIERS, anonymous=401),
        method="post",
        kwargs=_foreign_invitation,
    ),
    # --- clarifications and amendments -----------------------------------------------------------------
    RouteCase("api:tender-clarification-list", for_roles(200, anonymous=401), kwargs=_tender_published),
    RouteCase(
        "api:tender-clarification-list",
        for_roles(201, SUPPLIERS, anonymous=401),
        method="post",
        kwargs=_foreign_public,
        data=lambda world: {"question": "Is an equivalent brand accepted?"},
        note="a supplier asks on another buyer's tender",
    ),
    RouteCase(
        "api:tender-clarification-answer",
        for_roles(200, BUYERS, anonymous=401),
        method="post",
        kwargs=_question,
        data=lambda world: {"answer": "Yes."},
    ),
    RouteCase("api:tender-amendment-list", for_roles(200, anonymous=401), kwargs=_tender_published),
]


# --- pages (tenders/urls.py) ---------------------------------------------------------------------------------
def _local(moment: Any) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _page_tender_form(world: RouteWorld) -> dict[str, Any]:
    return {
        "title": "Route check",
        "currency": "BRL",
        "type": "rfq",
        "visibility": "public",
        "quote_validity_days": "30",
        "committee_quorum": "1",
    }


def _page_item(world: RouteWorld) -> dict[str, Any]:
    return {"pk": _draft(world).pk, "item_pk": _draft(world).items.order_by("number").first().pk}


def _page_item_data(world: RouteWorld) -> dict[str, Any]:
    item = _draft(world).items.order_by("number").first()
    return {
        f"item-{item.pk}-description": "Renamed",
        f"item-{item.pk}-quantity": "3",
        f"item-{item.pk}-unit": "kg",
        "direction": "down",
    }


def _page_amend_data(world: RouteWorld) -> dict[str, Any]:
    tender = _published(world)
    return {
        "reason": "Typo",
        "title": "Corrected title",
        "quote_validity_days": str(tender.quote_validity_days),
        "delivery_place": tender.delivery_place,
        "payment_terms": tender.payment_terms,
        "estimated_budget": str(tender.estimated_budget or ""),
        "clarification_deadline": _local(tender.clarification_deadline),
        "submission_deadline": _local(tender.submission_deadline),
        "opening_at": _local(tender.opening_at),
    }


def _page_foreign_invitation(world: RouteWorld) -> dict[str, Any]:
    tender = _foreign(world, invited=True)
    return {"pk": tender.pk, "invitation_pk": world.extras["invitation"].pk}


def _page_question(world: RouteWorld) -> dict[str, Any]:
    ids = _question(world)
    world.extras["question_pk"] = ids["pk"]
    return {"pk": ids["tender_pk"], "clarification_pk": ids["pk"]}


def _page_document(world: RouteWorld) -> dict[str, Any]:
    ids = _document(world)
    return {"pk": ids["tender_pk"], "document_pk": ids["pk"]}


def _page_document_version(world: RouteWorld) -> dict[str, Any]:
    return {**_page_document(world), "number": 1}


def _pdf(name: str = "spec.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 route check", content_type="application/pdf")


def _page_draft_document(world: RouteWorld) -> dict[str, Any]:
    tender = _draft(world)
    version = services.document_upload(tender=tender, actor=member(world.company, "buyer").user, upload=_pdf())
    world.extras["document_pk"] = version.document_id
    return {"pk": tender.pk, "document_pk": version.document_id}


def _page_openers_data(world: RouteWorld) -> dict[str, Any]:
    return {"committee-openers": [member(world.company, "buyer").user.pk], "committee-committee_quorum": "1"}


ROUTES += [
    RouteCase("tenders:list", for_roles(200, outsider=200)),
    RouteCase("tenders:create", for_roles(200, BUYERS, outsider=200)),
    RouteCase("tenders:create", for_roles(302, BUYERS, outsider=302), method="post", data=_page_tender_form),
    RouteCase("tenders:detail", for_roles(200), kwargs=_pk_draft),
    RouteCase("tenders:edit", for_roles(200, BUYERS), kwargs=_pk_draft),
    RouteCase("tenders:edit", for_roles(302, BUYERS), method="post", kwargs=_pk_draft, data=_page_tender_form),
    RouteCase(
        "tenders:item-add",
        for_roles(302, BUYERS),
        method="post",
        kwargs=_pk_draft,
        data=lambda world: {"new-description": "Bolts", "new-quantity": "5", "new-unit": "box"},
    ),
    RouteCase("tenders:item-update", for_roles(302, BUYERS), method="post", kwargs=_page_item, data=_page_item_data),
    RouteCase("tenders:item-remove", for_roles(302, BUYERS), method="post", kwargs=_page_item),
    RouteCase("tenders:item-move", for_roles(302, BUYERS), method="post", kwargs=_page_item, data=_page_item_data),
    RouteCase(
        "tenders:criteria",
        for_roles(302, BUYERS),
        method="post",
        kwargs=_pk_draft,
        data=lambda world: {"criterion-0-kind": "price", "criterion-0-name": "Price", "criterion-0-weight": "100"},
    ),
    RouteCase("tenders:publish", for_roles(200, BUYERS), kwargs=_pk_draft),
    RouteCase("tenders:publish", for_roles(302, BUYERS), method="post", kwargs=_pk_draft),
    RouteCase("tenders:amend", for_roles(200, BUYERS), kwargs=_pk_published),
    RouteCase("tenders:amend", for_roles(302, BUYERS), method="post", kwargs=_pk_published, data=_page_amend_data),
    RouteCase("tenders:cancel", for_roles(200, BUYERS), kwargs=_pk_published),
    RouteCase(
        "tenders:cancel", for_roles(302, BUYERS), method="post", kwargs=_pk_published, data=lambda w: {"reason": "Cut"}
    ),
    RouteCase("tenders:invitations", for_roles(200), kwargs=_pk_published),
    RouteCase(
        "tenders:invitations",
        for_roles(302, BUYERS),
        method="post",
        kwargs=_pk_published,
        data=lambda world: {"email": "sales@example.org"},
    ),
    RouteCase(
        "tenders:invitation-respond",
        for_roles(302, SUPPLIERS),
        method="post",
        kwargs=_page_foreign_invitation,
        data=lambda world: {"response": "accept"},
    ),
    RouteCase("tenders:clarifications", for_roles(200), kwargs=_pk_published),
    RouteCase(
        "tenders:clarification-ask",
        for_roles(302, SUPPLIERS),
        method="post",
        kwargs=lambda world: {"pk": _foreign(world, invited=False).pk},
        data=lambda world: {"question": "Which brand?"},
    ),
    RouteCase(
        "tenders:clarification-answer",
        for_roles(302, BUYERS),
        method="post",
        kwargs=_page_question,
        data=lambda world: {f"c{world.extras['question_pk']}-answer": "Any brand."},
    ),
    RouteCase("tenders:document", for_roles(200), kwargs=_page_document),
    RouteCase("tenders:document-version", for_roles(200), kwargs=_page_document_version),
    RouteCase(
        "tenders:document-upload",
        for_roles(302, BUYERS),
        method="post",
        kwargs=_pk_draft,
        data=lambda world: {"document-title": "Specification", "document-file": _pdf()},
    ),
    RouteCase(
        "tenders:document-replace",
        for_roles(302, BUYERS),
        method="post",
        kwargs=_page_draft_document,
        data=lambda world: {f"doc-{world.extras['document_pk']}-file": _pdf("spec-v2.pdf")},
    ),
    RouteCase("tenders:openers", for_roles(302, BUYERS), method="post", kwargs=_pk_draft, data=_page_openers_data),
    RouteCase("tenders:audit", for_roles(200, ("owner", "admin")), kwargs=_pk_published),
]
PUBLIC = {"tenders:public": "the public list of open public tenders (no budget unless shown, no quote data)"}
