"""Tender pages: the public list, the list of a company's tenders, the tender page (buyer's and
supplier's side), the draft editor with its item rows, publishing, amending, cancelling,
invitations, clarifications and the audit trail.

Thin: tenders.selectors decide what the active company (``request.company``) sees, tenders.services
make every change, and application errors become 404/403 pages or messages next to the field.
Fragment endpoints answer an HTMX request (``request.htmx``) with their partial and anyone else with
a redirect (after a change) or the full page (the full page includes the same partial).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import CheckboxSelectMultiple
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from companies import permissions
from companies.models import Company
from cotai.eventstore import get_event_store
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from cotai.pages import add_service_errors, maps_application_errors
from tenders import selectors, services
from tenders.choices import CriterionKind, TenderStatus
from tenders.filters import TenderFilter
from tenders.forms import (
    AmendmentForm,
    AnswerForm,
    DocumentForm,
    InvitationForm,
    OpenersForm,
    QuestionForm,
    ReasonForm,
    TenderForm,
    TenderItemForm,
)
from tenders.models import Clarification, Tender

PAGE_SIZE = 20
# Sort keys the list accepts (anything else falls back to the first); "-id" breaks ties stably.
SORTS = {
    "-created_at": "Newest first",
    "submission_deadline": "Deadline, soonest first",
    "-submission_deadline": "Deadline, latest first",
    "title": "Title A to Z",
    "number": "Number",
}


# --- shared by the pages of tenders, quotes and reports --------------------------------------------------
def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The partial for an HTMX request, the full page (which includes that partial) otherwise."""
    return render(request, partial if is_htmx(request) else page, context, status=status)


def company_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, acting for a company; NotFound -> 404 and PermissionDenied -> 403 pages.

    A person without any company is sent to create or join one (every page here is a company's).
    """

    mapped = maps_application_errors(view)

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "company", None) is None:
            messages.info(request, "Create a company, or accept an invitation to one, to work with tenders.")
            return redirect("companies:list")
        return mapped(request, *args, **kwargs)

    return wrapper


def require_action(request: HttpRequest, action: str) -> None:
    if not permissions.can(request.user, action, request.company):
        raise PermissionDenied("Your role in this company does not allow this.")


def error_message(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", str(exc)))


# --- lists ------------------------------------------------------------------------------------------------
def public_list(request: HttpRequest) -> HttpResponse:
    """Published public tenders still open for quotes: no budget unless the buyer shows it, no quote data."""
    page = Paginator(selectors.public_open_tenders(), PAGE_SIZE).get_page(request.GET.get("page"))
    return page_or_partial(
        request, "tenders/public_list.html", "tenders/partials/public_tender_table.html", {"page": page}
    )


def _filterset(request: HttpRequest) -> TenderFilter:
    queryset = selectors.tender_list_for(actor=request.user, company=request.company)
    filterset = TenderFilter(request.GET or None, queryset=queryset)
    # The page offers the filters a person uses; the API takes the rest (buyer ids, time ranges).
    form = filterset.form
    form.fields["status"].widget = CheckboxSelectMultiple(choices=form.fields["status"].choices)
    form.fields["q"].label = "Search"
    form.fields["category"].label = "Category"
    form.fields["category"].to_field_name = "code"
    return filterset


@company_page
def tender_list(request: HttpRequest) -> HttpResponse:
    """The active company's tenders (bought or visible as a supplier), filtered, searched, sorted, paged."""
    filterset = _filterset(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-created_at"
    queryset = filterset.qs.order_by(sort, "-id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "sorts": SORTS,
        "sort": sort,
        "query": query.urlencode(),
        "can_create": permissions.can(request.user, "tender.create", request.company),
    }
    return page_or_partial(request, "tenders/tender_list.html", "tenders/partials/tender_table.html", context)


# --- the tender page -------------------------------------------------------------------------------------
def _tender_context(request: HttpRequest, tender: Tender, **extra: Any) -> dict[str, Any]:
    company = request.company
    buyer = selectors.is_buyer(tender, company)
    now = timezone.now()
    context = {
        "tender": tender,
        "is_buyer": buyer,
        "actions": permissions.actions_for(request.user, company),
        "items": list(selectors.items_for(tender)),
        "criteria": list(tender.criteria.all()),
        "documents": list(selectors.documents_for(tender)),
        "clarifications": list(selectors.clarifications_for(tender=tender, company=company)),
        "amendments": list(selectors.amendments_for(tender)),
        "invitations": list(selectors.invitations_for(tender=tender, company=company)),
        "accepting_quotes": tender.status == TenderStatus.PUBLISHED
        and tender.submission_deadline is not None
        and tender.submission_deadline > now,
        "accepting_questions": tender.status == TenderStatus.PUBLISHED
        and (tender.clarification_deadline is None or tender.clarification_deadline > now),
        "show_budget": buyer or tender.budget_visible_to_suppliers,
        "question_form": QuestionForm(),
        "now": now,
    }
    context["can_change_documents"] = buyer and _documents_changeable(tender, context["actions"], now)
    if context["can_change_documents"]:
        published = tender.status == TenderStatus.PUBLISHED
        posted = extra.pop("document_forms", {})
        context["document_form"] = posted.get(None) or DocumentForm(published=published, prefix="document")
        context["document_rows"] = [
            (document, posted.get(document.pk) or DocumentForm(published=published, prefix=f"doc-{document.pk}"))
            for document in context["documents"]
        ]
    else:
        context["document_rows"] = [(document, None) for document in context["documents"]]
    context.update(extra)
    return context


def _documents_changeable(tender: Tender, actions: Any, now: Any) -> bool:
    """The buyer may add or replace documents: freely on a draft, as an amendment while quotes are accepted."""
    if tender.status == TenderStatus.DRAFT:
        return "tender.edit" in actions
    if tender.status == TenderStatus.PUBLISHED:
        deadline = tender.submission_deadline
        return "tender.amend" in actions and deadline is not None and deadline > now
    return False


@company_page
def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail_for(actor=request.user, company=request.company, pk=pk)
    return render(request, "tenders/tender_detail.html", _tender_context(request, tender))


@company_page
def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    version = selectors.document_version_for(
        actor=request.user, company=request.company, tender_pk=pk, document_pk=document_pk
    )
    return FileResponse(
        version.file.open("rb"), as_attachment=True, filename=version.filename, content_type=version.content_type
    )


@company_page
def document_version_download(request: HttpRequest, pk: int, document_pk: int, number: int) -> HttpResponse:
    """One version of a document (replaced versions stay downloadable): the same rule as the current file."""
    version = selectors.document_version_for(
        actor=request.user, company=request.company, tender_pk=pk, document_pk=document_pk, number=number
    )
    return FileResponse(
        version.file.open("rb"), as_attachment=True, filename=version.filename, content_type=version.content_type
    )


def _document_tender(request: HttpRequest, pk: int) -> Tender:
    """The buyer's tender whose documents change: tender.edit on a draft, tender.amend once published."""
    tender = _buyer_tender(request, pk, "tender.view")
    require_action(request, "tender.edit" if tender.is_draft else "tender.amend")
    return tender


def _document_post(request: HttpRequest, tender: Tender, document: Any, form: DocumentForm) -> HttpResponse:
    """Store the posted file through the service; on success redirect, else the tender page with the errors."""
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = services.document_upload(
                tender=tender,
                actor=request.user,
                upload=data["file"],
                title=data["title"],
                document=document,
                note=data["note"],
                reason=data.get("reason", ""),
                material=data.get("material", False),
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("tenders:detail", pk=tender.pk)
        else:
            what = "A new version of" if version.number > 1 else "The document"
            messages.success(request, f"{what} “{version.document.title}” is stored (SHA-256 {version.sha256[:12]}…).")
            return redirect(reverse("tenders:detail", kwargs={"pk": tender.pk}) + "#documents")
    forms_ = {document.pk if document is not None else None: form}
    tender = selectors.tender_detail_for(actor=request.user, company=request.company, pk=tender.pk)
    context = _tender_context(request, tender, document_forms=forms_)
    return render(request, "tenders/tender_detail.html", context, status=400)


@company_page
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a new document (an amendment, with a reason, once the tender is published)."""
    tender = _document_tender(request, pk)
    form = DocumentForm(
        request.POST, request.FILES, published=tender.status == TenderStatus.PUBLISHED, prefix="document"
    )
    return _document_post(request, tender, None, form)


@company_page
@require_POST
def document_replace(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """Upload a new version of a document; the earlier versions stay in its history."""
    tender = _document_tender(request, pk)
    document = selectors.documents_for(tender).filter(pk=document_pk).first()
    if document is None:
        raise NotFound("No such document.")
    form = DocumentForm(
        request.POST, request.FILES, published=tender.status == TenderStatus.PUBLISHED, prefix=f"doc-{document.pk}"
    )
    return _document_post(request, tender, document, form)


# --- the draft editor ------------------------------------------------------------------------------------
def _buyer_tender(request: HttpRequest, pk: int, action: str) -> Tender:
    """A tender the active company buys, after checking ``action`` (a supplier meets 404: not its page)."""
    tender = selectors.tender_get_for(actor=request.user, company=request.company, pk=pk)
    if not selectors.is_buyer(tender, request.company):
        raise NotFound("No such tender.")
    require_action(request, action)
    return tender


@company_page
@require_http_methods(["GET", "POST"])
def tender_create(request: HttpRequest) -> HttpResponse:
    require_action(request, "tender.create")
    form = TenderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tender = services.tender_create(
                actor=request.user, buyer=request.company, data=form.service_data(), request=request
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Draft {tender.number} created. Add its items, then publish it.")
            return redirect("tenders:edit", pk=tender.pk)
    return render(request, "tenders/tender_form.html", {"form": form, "tender": None})


def _editor_context(request: HttpRequest, tender: Tender, **extra: Any) -> dict[str, Any]:
    items = list(selectors.items_for(tender))
    rows = extra.pop("rows", None) or [
        (item, TenderItemForm(prefix=f"item-{item.pk}", initial=_item_initial(item))) for item in items
    ]
    context = {
        "tender": tender,
        "form": extra.pop("form", None) or TenderForm(initial=TenderForm.initial_from(tender)),
        "rows": rows,
        "add_form": extra.pop("add_form", None) or TenderItemForm(prefix="new"),
        "item_count": len(items),
        "criteria_rows": extra.pop("criteria_rows", None) or criteria_rows(tender),
        "criterion_kinds": CriterionKind.choices,
        "openers_form": extra.pop("openers_form", None)
        or OpenersForm(
            buyer=tender.buyer,
            prefix="committee",
            initial={
                "openers": list(tender.openers.values_list("user_id", flat=True)),
                "committee_quorum": tender.committee_quorum,
            },
        ),
    }
    context.update(extra)
    return context


def _item_initial(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ("description", "quantity", "unit", "specification", "lot")}


@company_page
@require_http_methods(["GET", "POST"])
def tender_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft editor: the tender's fields (posted here) and its items (posted to the item endpoints)."""
    tender = _buyer_tender(request, pk, "tender.edit")
    if not tender.is_draft:
        messages.info(request, "Only a draft is edited here; a published tender changes through an amendment.")
        return redirect("tenders:detail", pk=tender.pk)
    form = None
    if request.method == "POST":
        form = TenderForm(request.POST)
        if form.is_valid():
            try:
                services.tender_update_draft(
                    tender=tender, actor=request.user, data=form.service_data(), request=request
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            except InvalidState as exc:
                error_message(request, exc)
                return redirect("tenders:detail", pk=tender.pk)
            else:
                messages.success(request, "Draft saved.")
                return redirect("tenders:edit", pk=tender.pk)
    return render(request, "tenders/tender_edit.html", _editor_context(request, tender, form=form))


def _items_response(request: HttpRequest, tender: Tender, **extra: Any) -> HttpResponse:
    """After an item change: the item rows for HTMX, the editor page (with errors) or a redirect."""
    has_errors = extra.pop("has_errors", False)
    if not is_htmx(request) and not has_errors:
        return redirect(reverse("tenders:edit", kwargs={"pk": tender.pk}) + "#tender-items")
    context = _editor_context(request, tender, **extra)
    return page_or_partial(request, "tenders/tender_edit.html", "tenders/partials/tender_items.html", context)


def _draft_item(request: HttpRequest, pk: int, item_pk: int) -> tuple[Tender, Any]:
    tender = _buyer_tender(request, pk, "tender.edit")
    item = selectors.items_for(tender).filter(pk=item_pk).first()
    if item is None:
        raise NotFound("No such item.")
    return tender, item


@company_page
@require_POST
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _buyer_tender(request, pk, "tender.edit")
    form = TenderItemForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.tender_item_add(tender=tender, actor=request.user, data=form.cleaned_data, request=request)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            form.add_error(None, exc.message)
        else:
            return _items_response(request, tender, focus="new")
    return _items_response(request, tender, add_form=form, has_errors=True)


@company_page
@require_POST
def item_update(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    tender, item = _draft_item(request, pk, item_pk)
    form = TenderItemForm(request.POST, prefix=f"item-{item.pk}")
    if form.is_valid():
        try:
            services.tender_item_update(item=item, actor=request.user, data=form.cleaned_data, request=request)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            form.add_error(None, exc.message)
        else:
            return _items_response(request, tender, saved=item.pk)
    rows = [
        (
            other,
            form if other.pk == item.pk else TenderItemForm(prefix=f"item-{other.pk}", initial=_item_initial(other)),
        )
        for other in selectors.items_for(tender)
    ]
    return _items_response(request, tender, rows=rows, has_errors=True)


@company_page
@require_POST
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    tender, item = _draft_item(request, pk, item_pk)
    try:
        services.tender_item_remove(item=item, actor=request.user, request=request)
    except InvalidState as exc:
        return _items_response(request, tender, problem=exc.message, has_errors=True)
    return _items_response(request, tender)


@company_page
@require_POST
def item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Move an item one place up or down (``direction``): the whole order goes to the reorder service."""
    tender, item = _draft_item(request, pk, item_pk)
    order = list(selectors.items_for(tender).values_list("pk", flat=True))
    index = order.index(item.pk)
    target = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        try:
            services.tender_item_reorder(tender=tender, actor=request.user, order=order, request=request)
        except (InvalidState, ValidationFailed) as exc:
            return _items_response(request, tender, problem=exc.message, has_errors=True)
    return _items_response(request, tender, moved=item.pk)


CRITERIA_ROWS = 5


def criteria_rows(tender: Tender, posted: Any = None) -> list[dict[str, Any]]:
    """Five criterion rows for the editor: the posted ones, or the tender's, padded with empty rows."""
    if posted is not None:
        rows = [
            {name: posted.get(f"criterion-{index}-{name}", "") for name in ("kind", "name", "weight")}
            for index in range(CRITERIA_ROWS)
        ]
    else:
        rows = [{"kind": c.kind, "name": c.name, "weight": f"{c.weight.normalize():f}"} for c in tender.criteria.all()]
    rows += [{"kind": "", "name": "", "weight": ""} for _ in range(CRITERIA_ROWS - len(rows))]
    return [{**row, "index": index} for index, row in enumerate(rows[:CRITERIA_ROWS])]


@company_page
@require_POST
def tender_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace a draft's evaluation criteria (weights sum to 100, exactly one of kind price)."""
    tender = _buyer_tender(request, pk, "tender.edit")
    rows = criteria_rows(tender, request.POST)
    criteria = [
        {"kind": row["kind"], "name": row["name"].strip(), "weight": row["weight"]}
        for row in rows
        if row["name"].strip() or row["weight"]
    ]
    problems: list[str] = []
    try:
        services.tender_update_draft(tender=tender, actor=request.user, data={}, criteria=criteria, request=request)
    except ValidationFailed as exc:
        problems = [message for messages_ in exc.errors.values() for message in messages_] or [exc.message]
    except InvalidState as exc:
        problems = [exc.message]
    if not problems and not is_htmx(request):
        messages.success(request, "Criteria saved.")
        return redirect(reverse("tenders:edit", kwargs={"pk": tender.pk}) + "#criteria")
    context = _editor_context(
        request,
        tender,
        criteria_rows=rows if problems else criteria_rows(tender),
        criteria_problems=problems,
        criteria_saved=not problems,
    )
    return page_or_partial(request, "tenders/tender_edit.html", "tenders/partials/tender_criteria.html", context)


@company_page
@require_POST
def tender_openers(request: HttpRequest, pk: int) -> HttpResponse:
    """Name a draft's opening committee (members of the buying company) and its quorum."""
    tender = _buyer_tender(request, pk, "tender.edit")
    form = OpenersForm(request.POST, buyer=tender.buyer, prefix="committee")
    if form.is_valid():
        try:
            services.tender_update_draft(
                tender=tender,
                actor=request.user,
                data={"committee_quorum": form.cleaned_data["committee_quorum"]},
                openers=list(form.cleaned_data["openers"]),
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("tenders:detail", pk=tender.pk)
        else:
            messages.success(request, "Opening committee saved.")
            return redirect(reverse("tenders:edit", kwargs={"pk": tender.pk}) + "#committee")
    context = _editor_context(request, tender, openers_form=form)
    return render(request, "tenders/tender_edit.html", context, status=400)


# --- lifecycle: publish, amend, cancel ------------------------------------------------------------------
@company_page
@require_http_methods(["GET", "POST"])
def tender_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what publishing means and whether the draft is ready; POST: publish."""
    tender = _buyer_tender(request, pk, "tender.publish")
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.tender_publish(tender=tender, actor=request.user, request=request)
        except ValidationFailed as exc:
            problems = exc.errors or {"tender": [exc.message]}
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("tenders:detail", pk=tender.pk)
        else:
            messages.success(request, f"{tender.number} is published; suppliers can see it and quote.")
            return redirect("tenders:detail", pk=tender.pk)
    context = {"tender": tender, "problems": problems, "item_count": tender.items.count()}
    return render(request, "tenders/tender_publish.html", context, status=400 if problems else 200)


@company_page
@require_http_methods(["GET", "POST"])
def tender_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a published tender with a reason (items are amended through the API's full-list form)."""
    tender = _buyer_tender(request, pk, "tender.amend")
    initial = {name: getattr(tender, name) for name in AmendmentForm.base_fields if name != "reason"}
    form = AmendmentForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = services.tender_amend(
                tender=tender,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                changes=form.changes_against(tender),
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("tenders:detail", pk=tender.pk)
        else:
            kind = "material " if amendment.material else ""
            messages.success(request, f"Version {amendment.version} recorded ({kind}amendment); participants are told.")
            return redirect("tenders:detail", pk=tender.pk)
    return render(request, "tenders/tender_amend.html", {"tender": tender, "form": form})


@company_page
@require_http_methods(["GET", "POST"])
def tender_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page with the reason; POST cancels."""
    tender = _buyer_tender(request, pk, "tender.cancel")
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_cancel(
                tender=tender, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("tenders:detail", pk=tender.pk)
        else:
            messages.success(request, f"{tender.number} is cancelled.")
            return redirect("tenders:detail", pk=tender.pk)
    return render(request, "tenders/tender_cancel.html", {"tender": tender, "form": form})


# --- invitations ------------------------------------------------------------------------------------------
@company_page
@require_http_methods(["GET", "POST"])
def invitation_list(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _buyer_tender(request, pk, "tender.view")
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require_action(request, "tender.invite")
        if form.is_valid():
            supplier = None
            if form.cleaned_data["supplier"]:
                supplier = Company.objects.filter(slug=form.cleaned_data["supplier"].strip().lower()).first()
                if supplier is None:
                    form.add_error("supplier", "No company with this address name on CotAi.")
            if form.is_valid():
                try:
                    services.invitation_create(
                        tender=tender,
                        actor=request.user,
                        supplier=supplier,
                        email=form.cleaned_data["email"],
                        message=form.cleaned_data["message"],
                        request=request,
                    )
                except ValidationFailed as exc:
                    add_service_errors(form, exc)
                except InvalidState as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, "Invitation sent.")
                    if not is_htmx(request):
                        return redirect("tenders:invitations", pk=tender.pk)
                    form = InvitationForm()
    context = {
        "tender": tender,
        "form": form,
        "invitations": list(selectors.invitations_for(tender=tender, company=request.company)),
        "can_invite": permissions.can(request.user, "tender.invite", request.company),
    }
    return page_or_partial(request, "tenders/invitation_list.html", "tenders/partials/invitation_panel.html", context)


@company_page
@require_POST
def invitation_respond(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """The invited supplier accepts, or declines with a reason."""
    tender = selectors.tender_get_for(actor=request.user, company=request.company, pk=pk)
    invitation = selectors.invitation_get_for(tender=tender, company=request.company, pk=invitation_pk)
    try:
        if request.POST.get("response") == "decline":
            services.invitation_decline(
                invitation=invitation,
                actor=request.user,
                company=request.company,
                reason=request.POST.get("reason", ""),
                request=request,
            )
            messages.success(request, "You declined the invitation; the buyer sees your reason.")
        else:
            services.invitation_accept(
                invitation=invitation, actor=request.user, company=request.company, request=request
            )
            messages.success(request, "You accepted the invitation.")
    except (ValidationFailed, InvalidState) as exc:
        error_message(request, exc)
    return redirect("tenders:detail", pk=tender.pk)


# --- clarifications ---------------------------------------------------------------------------------------
@company_page
@require_POST
def clarification_ask(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail_for(actor=request.user, company=request.company, pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.clarification_ask(
                tender=tender,
                actor=request.user,
                company=request.company,
                question=form.cleaned_data["question"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            form.add_error(None, exc.message)
        else:
            if not is_htmx(request):
                messages.success(request, "Question sent. The answer will be published here for every participant.")
                return redirect(reverse("tenders:detail", kwargs={"pk": tender.pk}) + "#clarifications")
            form = QuestionForm()
            form.sent = True
    context = _tender_context(request, tender, question_form=form)
    return page_or_partial(request, "tenders/tender_detail.html", "tenders/partials/clarification_list.html", context)


def _inbox_rows(request: HttpRequest, tender: Tender, posted: Clarification | None = None, form: Any = None) -> list:
    """(question, answer form) pairs, unanswered first; ``posted`` keeps the ``form`` that was sent for it."""
    clarifications = sorted(
        selectors.clarifications_for(tender=tender, company=request.company), key=lambda c: (c.published, c.asked_at)
    )
    return [
        (c, form if posted is not None and c.pk == posted.pk else AnswerForm(prefix=f"c{c.pk}")) for c in clarifications
    ]


@company_page
def clarification_inbox(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer's questions: unanswered first, each with an answer form that answers in place."""
    tender = _buyer_tender(request, pk, "tender.view")
    context = {
        "tender": tender,
        "rows": _inbox_rows(request, tender),
        "can_answer": permissions.can(request.user, "clarification.answer", request.company),
    }
    return render(request, "tenders/clarification_inbox.html", context)


@company_page
@require_POST
def clarification_answer(request: HttpRequest, pk: int, clarification_pk: int) -> HttpResponse:
    tender = _buyer_tender(request, pk, "clarification.answer")
    clarification = selectors.clarification_get_for(tender=tender, company=request.company, pk=clarification_pk)
    form = AnswerForm(request.POST, prefix=f"c{clarification.pk}")
    if form.is_valid():
        try:
            clarification = services.clarification_answer(
                clarification=clarification, actor=request.user, answer=form.cleaned_data["answer"], request=request
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            form.add_error(None, exc.message)
        else:
            if not is_htmx(request):
                messages.success(request, "Answer published to every participant.")
                return redirect("tenders:clarifications", pk=tender.pk)
    if not is_htmx(request):
        rows = _inbox_rows(request, tender, posted=clarification, form=form)
        return render(request, "tenders/clarification_inbox.html", {"tender": tender, "rows": rows, "can_answer": True})
    context = {"tender": tender, "clarification": clarification, "form": form, "can_answer": True}
    return render(request, "tenders/partials/clarification_row.html", context)


# --- audit trail ------------------------------------------------------------------------------------------
@company_page
def tender_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """Every audited change of the tender, newest first, from the event store (owners and admins)."""
    tender = _buyer_tender(request, pk, "company.view_audit")
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    events = get_event_store().query(
        object_type="tenders.tender", object_id=str(tender.pk), company_id=tender.buyer_id, page=number, page_size=50
    )
    return render(request, "tenders/tender_audit.html", {"tender": tender, "events": events})


def deadline_window(days: int = 7) -> tuple[Any, Any]:
    """Now and ``days`` ahead: "this week" on the dashboards."""
    now = timezone.now()
    return now, now + timedelta(days=days)
