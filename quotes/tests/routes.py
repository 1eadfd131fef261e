"""Every API route of the quotes app, with the status each persona must get.

Checked by tests/test_route_permissions.py; see companies/testing.py for how cases are written.
Supply-side routes act on a quote of ``world.company`` for another buyer's tender (public in a
category ``world.company`` supplies); buy-side routes act on a tender of ``world.company`` whose
quotes (from another supplier) have been opened. The outsider acts for its own company and meets
ids it may not reach: 404.
"""

from __future__ import annotations

import atexit
from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from companies.testing import RouteCase, RouteWorld, for_roles
from companies.tests.factories import CategoryFactory, CompanyFactory, member
from quotes import services
from quotes.tests.factories import lines_for, open_now, published_tender, submitted_quote
from tenders import services as tender_services
from tenders.models import Tender, TenderOpener

ALL = ("owner", "admin", "buyer", "evaluator", "supplier_rep", "viewer")  # quote.view, tender.view
SUPPLIERS = ("owner", "admin", "supplier_rep")  # quote.edit, quote.submit, quote.withdraw
EVALUATION_VIEW = ("owner", "admin", "buyer", "evaluator", "viewer")
SCORERS = ("owner", "admin", "evaluator")  # evaluation.score
DECIDERS = ("owner", "admin", "buyer")  # award.make (also shortlist / reject)


def api(ok: int, roles: tuple[str, ...] = ALL) -> dict[str, int]:
    return for_roles(ok, roles, anonymous=401)


def _category(world: RouteWorld) -> Any:
    if "category" not in world.extras:
        world.extras["category"] = CategoryFactory()
        world.company.categories.add(world.extras["category"])
    return world.extras["category"]


def _foreign_tender(world: RouteWorld) -> Tender:
    """A published tender of another buyer, public in a category world.company supplies."""
    if "foreign" not in world.extras:
        other = CompanyFactory(kind="buyer")
        world.extras["foreign_buyer"] = member(other, "buyer").user
        world.extras["foreign"] = published_tender(other, _category(world), items=2)
    return world.extras["foreign"]


def _rep(world: RouteWorld) -> Any:
    if "rep" not in world.extras:
        world.extras["rep"] = member(world.company, "supplier_rep").user
    return world.extras["rep"]


def _own_quote(world: RouteWorld, *, submitted: bool = False) -> Any:
    tender = _foreign_tender(world)
    data = {"lines": lines_for(tender, ["10", "20"])}
    quote = services.quote_create(tender=tender, supplier=world.company, actor=_rep(world), data=data)
    if submitted:
        services.quote_submit(quote=quote, actor=_rep(world))
    return quote


def _draft(world: RouteWorld) -> dict[str, Any]:
    return {"pk": _own_quote(world).pk}


def _submitted(world: RouteWorld) -> dict[str, Any]:
    return {"pk": _own_quote(world, submitted=True).pk}


def _revision(world: RouteWorld) -> dict[str, Any]:
    return {"pk": _own_quote(world, submitted=True).pk, "number": 1}


def _amended(world: RouteWorld) -> dict[str, Any]:
    quote = _own_quote(world, submitted=True)
    tender = quote.tender
    tender_services.tender_amend(
        tender=tender,
        actor=world.extras["foreign_buyer"],
        reason="More time",
        changes={"submission_deadline": tender.submission_deadline + timedelta(days=1)},
    )
    return {"pk": quote.pk}


def _line(world: RouteWorld) -> dict[str, Any]:
    quote = _own_quote(world)
    return {"pk": quote.pk, "item_pk": quote.tender.items.order_by("number").first().pk}


def _attachment(world: RouteWorld) -> dict[str, Any]:
    quote = _own_quote(world)
    upload = SimpleUploadedFile("offer.pdf", b"%PDF-1.4 route", content_type="application/pdf")
    attachment = services.attachment_add(quote=quote, actor=_rep(world), upload=upload)
    atexit.register(default_storage.delete, attachment.file.name)
    return {"pk": quote.pk, "attachment_pk": attachment.pk}


def _create_body(world: RouteWorld) -> dict[str, Any]:
    tender = _foreign_tender(world)
    return {
        "tender": tender.pk,
        "lines": [
            {"item": line["item"], "unit_price": "5", "quantity": str(line["quantity"])}
            for line in lines_for(tender, ["5", "5"])
        ],
    }


def _lines_body(world: RouteWorld) -> dict[str, Any]:
    tender = _foreign_tender(world)
    return {"lines": [{"item": item.pk, "unit_price": "7", "quantity": "1"} for item in tender.items.all()]}


def _opened(world: RouteWorld) -> tuple[Tender, Any]:
    """A tender of world.company whose one quote (from another supplier) has been opened."""
    if "opened" not in world.extras:
        category = CategoryFactory()
        tender = published_tender(world.company, category, items=1)
        supplier = CompanyFactory(kind="supplier")
        supplier.categories.add(category)
        quote = submitted_quote(tender, supplier, member(supplier, "supplier_rep").user)
        open_now(tender)
        quote.refresh_from_db()
        world.extras["opened"] = (tender, quote)
    return world.extras["opened"]


def _opened_tender(world: RouteWorld) -> dict[str, Any]:
    return {"tender_pk": _opened(world)[0].pk}


def _opened_quote(world: RouteWorld) -> dict[str, Any]:
    return {"pk": _opened(world)[1].pk}


def _score_body(world: RouteWorld) -> dict[str, Any]:
    tender, quote = _opened(world)
    return {"quote": quote.pk, "criterion": tender.criteria.get(kind="delivery").pk, "score": "7"}


def _award_body(world: RouteWorld) -> dict[str, Any]:
    return {"awards": [{"quote": _opened(world)[1].pk}]}


def _committee(world: RouteWorld) -> dict[str, Any]:
    """A closed committee tender of world.company, past its opening time, naming the persona as opener."""
    tender = published_tender(world.company, CategoryFactory(), committee_opening_required=True, committee_quorum=1)
    if world.user is not None and world.persona != "outsider":
        TenderOpener.objects.create(tender=tender, user=world.user)
    moment = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=moment, opening_at=moment)
    return {"tender_pk": tender.pk}


ROUTES = [
    RouteCase("api:quote-list", for_roles(200, ALL, anonymous=401, outsider=200)),
    RouteCase("api:quote-list", api(201, SUPPLIERS), method="post", data=_create_body, note="create"),
    RouteCase("api:quote-detail", api(200), kwargs=_draft),
    RouteCase("api:quote-detail", api(200, SUPPLIERS), method="patch", kwargs=_draft, data=lambda w: {"notes": "x"}),
    RouteCase("api:quote-detail", api(204, SUPPLIERS), method="delete", kwargs=_draft),
    RouteCase("api:quote-lines", api(200, SUPPLIERS), method="put", kwargs=_draft, data=_lines_body),
    RouteCase("api:quote-submit", api(201, SUPPLIERS), method="post", kwargs=_draft),
    RouteCase("api:quote-withdraw", api(200, SUPPLIERS), method="post", kwargs=_submitted),
    RouteCase("api:quote-confirm", api(200, SUPPLIERS), method="post", kwargs=_amended),
    RouteCase("api:quote-revisions", api(200), kwargs=_submitted),
    RouteCase("api:quote-revision", api(200), kwargs=_revision),
    RouteCase("api:quote-revision-verify", api(200), kwargs=_revision),
    RouteCase(
        "api:quote-line",
        api(200, SUPPLIERS),
        method="put",
        kwargs=_line,
        data=lambda w: {"unit_price": "3", "quantity": "2"},
    ),
    RouteCase("api:quote-line", api(204, SUPPLIERS), method="delete", kwargs=_line),
    RouteCase("api:quote-attachments", api(200), kwargs=_draft),
    RouteCase(
        "api:quote-attachments",
        api(400, SUPPLIERS),
        method="post",
        kwargs=_draft,
        note="no file sent: refused by field, after the role check",
    ),
    RouteCase("api:quote-attachment", api(200), kwargs=_attachment),
    RouteCase("api:quote-attachment", api(204, SUPPLIERS), method="delete", kwargs=_attachment),
    RouteCase("api:quote-shortlist", api(200, DECIDERS), method="post", kwargs=_opened_quote),
    RouteCase(
        "api:quote-reject",
        api(200, DECIDERS),
        method="post",
        kwargs=_opened_quote,
        data=lambda w: {"reason": "Incomplete"},
    ),
    RouteCase("api:quote-count", api(200), kwargs=_opened_tender),
    RouteCase("api:quote-acknowledgements", api(200), kwargs=_opened_tender),
    RouteCase("api:quote-opening", api(200), kwargs=_opened_tender),
    RouteCase("api:quote-opening-confirm", api(200), method="post", kwargs=_committee),
    RouteCase("api:quote-comparison", api(200, EVALUATION_VIEW), kwargs=_opened_tender),
    RouteCase("api:quote-comparison-csv", api(200, EVALUATION_VIEW), kwargs=_opened_tender),
    RouteCase("api:quote-scores", api(200, EVALUATION_VIEW), kwargs=_opened_tender),
    RouteCase("api:quote-scores", api(200, SCORERS), method="post", kwargs=_opened_tender, data=_score_body),
    RouteCase("api:quote-awards", api(200), kwargs=_opened_tender),
    RouteCase("api:quote-awards", api(201, DECIDERS), method="post", kwargs=_opened_tender, data=_award_body),
]


# --- pages (quotes/urls.py) -----------------------------------------------------------------------------------
def _page_foreign(world: RouteWorld) -> dict[str, Any]:
    return {"tender_pk": _foreign_tender(world).pk}


def _page_quote_form(world: RouteWorld) -> dict[str, Any]:
    """The editor's form for the foreign tender (its items are cached in world.extras)."""
    tender = _foreign_tender(world)
    data = {"validity_date": (timezone.localdate() + timedelta(days=90)).isoformat(), "delivery_days": "5"}
    for item in tender.items.order_by("number"):
        data[f"line-{item.pk}-unit_price"] = "12.50"
        data[f"line-{item.pk}-quantity"] = str(item.quantity)
    return data


def _page_score(world: RouteWorld) -> dict[str, Any]:
    tender, quote = _opened(world)
    return {f"score-{quote.pk}-{tender.criteria.get(kind='delivery').pk}": "7"}


ROUTES += [
    RouteCase("quotes:for-tender", for_roles(200, ALL), kwargs=_page_foreign),
    RouteCase("quotes:for-tender", for_roles(302, SUPPLIERS), method="post", kwargs=_page_foreign),
    RouteCase("quotes:edit", for_roles(200, ALL), kwargs=_draft),
    RouteCase("quotes:edit", for_roles(302, SUPPLIERS), method="post", kwargs=_draft, data=_page_quote_form),
    RouteCase("quotes:totals", for_roles(200, ALL), method="post", kwargs=_draft, data=_page_quote_form),
    RouteCase("quotes:submit", for_roles(302, SUPPLIERS), method="post", kwargs=_draft, data=_page_quote_form),
    RouteCase("quotes:receipt", for_roles(200, ALL), kwargs=_revision),
    RouteCase("quotes:withdraw", for_roles(200, SUPPLIERS), kwargs=_submitted),
    RouteCase("quotes:withdraw", for_roles(302, SUPPLIERS), method="post", kwargs=_submitted),
    RouteCase("quotes:confirm", for_roles(302, SUPPLIERS), method="post", kwargs=_amended),
    RouteCase(
        "quotes:attachment-add",
        for_roles(302, SUPPLIERS),
        method="post",
        kwargs=_draft,
        data=lambda world: {"file": SimpleUploadedFile("offer.pdf", b"%PDF-1.4 page", content_type="application/pdf")},
    ),
    RouteCase("quotes:attachment", for_roles(200, ALL), kwargs=_attachment),
    RouteCase("quotes:attachment-remove", for_roles(302, SUPPLIERS), method="post", kwargs=_attachment),
    RouteCase("quotes:shortlist", for_roles(302, DECIDERS), method="post", kwargs=_opened_quote),
    RouteCase("quotes:reject", for_roles(200, DECIDERS), kwargs=_opened_quote),
    RouteCase(
        "quotes:reject",
        for_roles(302, DECIDERS),
        method="post",
        kwargs=_opened_quote,
        data=lambda world: {"reason": "Incomplete"},
    ),
    RouteCase("quotes:opening", for_roles(200, ALL), kwargs=_opened_tender),
    RouteCase("quotes:opening", for_roles(302, EVALUATION_VIEW), method="post", kwargs=_opened_tender),
    RouteCase("quotes:comparison", for_roles(200, EVALUATION_VIEW), kwargs=_opened_tender),
    RouteCase("quotes:score", for_roles(302, SCORERS), method="post", kwargs=_opened_tender, data=_page_score),
    RouteCase("quotes:award", for_roles(200, DECIDERS), kwargs=_opened_tender),
    RouteCase(
        "quotes:award",
        for_roles(302, DECIDERS),
        method="post",
        kwargs=_opened_tender,
        data=lambda world: {"mode": "whole", "quote": _opened(world)[1].pk, "confirm": "yes"},
    ),
]
