"""Quote pages: the supplier's quote for a tender (editor with server-computed totals, submit and
receipt, withdraw, confirm after an amendment, results) and the buyer's opening, comparison,
scoring and award (with a confirmation step).

Thin: quotes.selectors decide what the active company reads (sealed quotes stay sealed), the
services change state and compute every amount; the pages only parse and show.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from companies import permissions
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from cotai.pages import add_service_errors
from quotes import money, selectors, services
from quotes.choices import EDITABLE_STATUSES, QuoteStatus
from quotes.forms import AttachmentForm, QuoteForm, RejectForm, WithdrawForm
from quotes.models import Quote
from tenders import selectors as tender_selectors
from tenders.choices import CriterionKind, TenderStatus
from tenders.views import company_page, error_message, is_htmx, page_or_partial, require_action


# --- the supplier's side -----------------------------------------------------------------------------------
def _own_quote(request: HttpRequest, pk: int) -> Quote:
    """The active company's own quote (another company's, even an opened one, is not edited here)."""
    quote = selectors.quote_detail_for(actor=request.user, company=request.company, pk=pk)
    if not selectors.is_owner(quote, request.company):
        raise NotFound("No such quote.")
    return quote


def _accepting(tender: Any) -> bool:
    deadline = tender.submission_deadline
    return tender.status == TenderStatus.PUBLISHED and deadline is not None and deadline > timezone.now()


@company_page
@require_http_methods(["GET", "POST"])
def quote_for_tender(request: HttpRequest, tender_pk: int) -> HttpResponse:
    """The supplier's page for one tender: start a quote (POST), or its status, receipts and result."""
    tender = tender_selectors.tender_get_for(actor=request.user, company=request.company, pk=tender_pk)
    if tender_selectors.is_buyer(tender, request.company):
        return redirect("tenders:detail", pk=tender.pk)
    quote = (
        selectors.quote_list_for(actor=request.user, company=request.company)
        .filter(tender=tender, supplier=request.company)
        .first()
    )
    if request.method == "POST":
        if quote is not None:
            return redirect("quotes:edit", pk=quote.pk)
        require_action(request, "quote.edit")
        try:
            quote = services.quote_create(tender=tender, supplier=request.company, actor=request.user, request=request)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("quotes:for-tender", tender_pk=tender.pk)
        return redirect("quotes:edit", pk=quote.pk)
    context: dict[str, Any] = {
        "tender": tender,
        "quote": quote,
        "accepting": _accepting(tender),
        "actions": permissions.actions_for(request.user, request.company),
        "revisions": [],
        "awards": [],
        "entries": [],
    }
    if quote is not None:
        context["revisions"] = list(selectors.revisions_for(actor=request.user, company=request.company, quote=quote))
        context["needs_confirmation"] = services.needs_confirmation(quote, tender)
        context["editable"] = quote.status in EDITABLE_STATUSES and context["accepting"]
        if quote.status != QuoteStatus.DRAFT:
            context["awards"] = list(
                selectors.awards_for(actor=request.user, company=request.company, tender_pk=tender.pk)
            )
            _tender, opening, entries = selectors.opening_for(
                actor=request.user, company=request.company, tender_pk=tender.pk
            )
            context["opening"], context["entries"] = opening, entries
    return render(request, "quotes/quote_for_tender.html", context)


def _items(quote: Quote) -> list[Any]:
    return list(tender_selectors.items_for(quote.tender))


def _editor_context(request: HttpRequest, quote: Quote, form: QuoteForm, **extra: Any) -> dict[str, Any]:
    context = {
        "quote": quote,
        "tender": quote.tender,
        "form": form,
        "rows": form.rows(),
        "totals": _totals(form, quote.tender.currency),
        "accepting": _accepting(quote.tender),
        "needs_confirmation": services.needs_confirmation(quote, quote.tender),
        "actions": permissions.actions_for(request.user, request.company),
        "attachments": list(quote.attachments.all()),
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
    }
    context.update(extra)
    return context


def _totals(form: QuoteForm, currency: str) -> dict[str, Any]:
    """Line and quote totals of what the form holds, computed by quotes.money (the server's rules).

    Lines whose figures do not parse yet are listed without a total; nothing is stored.
    """
    if form.is_bound:
        form.is_valid()  # fills cleaned_data with the fields that parse
        data = form.cleaned_data
    else:
        data = {name: form.get_initial_for_field(field, name) for name, field in form.fields.items()}
    lines, computed = [], []
    for item in form.items:
        prefix = f"line-{item.pk}-"
        price, quantity = data.get(prefix + "unit_price"), data.get(prefix + "quantity")
        figures = None
        if price not in (None, "") and quantity not in (None, ""):
            try:
                figures = money.line_totals(
                    unit_price=price,
                    quantity=quantity,
                    tax_rate=data.get(prefix + "tax_rate") or 0,
                    discount=data.get(prefix + "discount") or 0,
                    currency=currency,
                )
            except ValueError:
                figures = None
        if figures is not None:
            computed.append(figures)
        typed = form.data.get(prefix + "unit_price", "") if form.is_bound else price
        lines.append({"item": item, "figures": figures, "priced": typed not in (None, "")})
    return {"lines": lines, "sum": money.sum_totals(computed, currency), "currency": currency.upper()}


@company_page
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The quote editor; POST saves the working copy (nothing is submitted)."""
    quote = _own_quote(request, pk)
    items = _items(quote)
    if request.method == "GET":
        form = QuoteForm(items=items, initial=QuoteForm.initial_for(quote, items))
        return render(request, "quotes/quote_edit.html", _editor_context(request, quote, form))
    require_action(request, "quote.edit")
    form = QuoteForm(request.POST, items=items)
    if form.is_valid():
        try:
            services.quote_update(quote=quote, actor=request.user, data=form.service_data(), request=request)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except InvalidState as exc:
            return render(
                request,
                "quotes/quote_edit.html",
                _editor_context(request, quote, form, problem=exc.message),
                status=409,
            )
        else:
            messages.success(request, "Draft saved. It is not submitted until you press Submit.")
            return redirect("quotes:edit", pk=quote.pk)
    return render(request, "quotes/quote_edit.html", _editor_context(request, quote, form), status=400)


@company_page
@require_POST
def quote_totals(request: HttpRequest, pk: int) -> HttpResponse:
    """The totals of the form as typed (HTMX, on every input): computed on the server, stored nowhere."""
    quote = _own_quote(request, pk)
    form = QuoteForm(request.POST, items=_items(quote))
    context = _editor_context(request, quote, form)
    return page_or_partial(request, "quotes/quote_edit.html", "quotes/partials/quote_totals.html", context)


@company_page
@require_POST
def quote_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save what was typed and submit it as a new revision, in one transaction; then show the receipt.

    When the deadline passed while the supplier was typing, the service refuses and stores nothing:
    the editor comes back with everything they entered and the reason.
    """
    quote = _own_quote(request, pk)
    require_action(request, "quote.submit")
    form = QuoteForm(request.POST, items=_items(quote))
    if form.is_valid():
        try:
            revision = services.quote_submit(quote=quote, actor=request.user, data=form.service_data(), request=request)
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except InvalidState as exc:
            context = _editor_context(request, quote, form, problem=exc.message, late=True)
            return render(request, "quotes/quote_edit.html", context, status=409)
        else:
            messages.success(request, f"Quote submitted. Revision {revision.number} is sealed until the opening.")
            return redirect("quotes:receipt", pk=quote.pk, number=revision.number)
    return render(request, "quotes/quote_edit.html", _editor_context(request, quote, form), status=400)


@company_page
def revision_receipt(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    revision = selectors.revision_get_for(actor=request.user, company=request.company, quote_pk=pk, number=number)
    quote = selectors.quote_get_for(actor=request.user, company=request.company, pk=pk)
    return render(request, "quotes/quote_receipt.html", {"quote": quote, "tender": quote.tender, "revision": revision})


@company_page
@require_http_methods(["GET", "POST"])
def quote_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page; POST withdraws (the supplier may submit again before the deadline)."""
    quote = _own_quote(request, pk)
    require_action(request, "quote.withdraw")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_withdraw(
                quote=quote, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("quotes:for-tender", tender_pk=quote.tender_id)
        else:
            messages.success(
                request, "Quote withdrawn: it will not be opened. You may submit again before the deadline."
            )
            return redirect("quotes:for-tender", tender_pk=quote.tender_id)
    return render(request, "quotes/quote_withdraw.html", {"quote": quote, "tender": quote.tender, "form": form})


@company_page
@require_POST
def quote_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _own_quote(request, pk)
    require_action(request, "quote.submit")
    try:
        services.quote_confirm(quote=quote, actor=request.user, request=request)
    except InvalidState as exc:
        error_message(request, exc)
    else:
        messages.success(request, "Your quote is confirmed against the amended tender.")
    return redirect("quotes:for-tender", tender_pk=quote.tender_id)


# --- attachments ---------------------------------------------------------------------------------------------
def _editor_with_errors(request: HttpRequest, quote: Quote, form: AttachmentForm) -> HttpResponse:
    """The editor with the attachment form's errors in place (the quote form as stored)."""
    items = _items(quote)
    quote_form = QuoteForm(items=items, initial=QuoteForm.initial_for(quote, items))
    context = _editor_context(request, quote, quote_form, attachment_form=form)
    return render(request, "quotes/quote_edit.html", context, status=400)


@company_page
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to the working copy; it goes into the next submitted revision with its SHA-256."""
    quote = _own_quote(request, pk)
    require_action(request, "quote.edit")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                quote=quote, actor=request.user, upload=form.cleaned_data["file"], request=request
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("quotes:edit", pk=quote.pk)
        else:
            messages.success(
                request, f"{attachment.filename} attached. It is part of your quote when you submit it again."
            )
            return redirect("quotes:edit", pk=quote.pk)
    return _editor_with_errors(request, quote, form)


@company_page
@require_POST
def attachment_remove(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Take a file out of the working copy (revisions already submitted keep naming it)."""
    quote = _own_quote(request, pk)
    require_action(request, "quote.edit")
    attachment = selectors.attachment_get_for(
        actor=request.user, company=request.company, quote_pk=quote.pk, pk=attachment_pk
    )
    try:
        services.attachment_remove(quote=quote, actor=request.user, attachment=attachment, request=request)
    except InvalidState as exc:
        error_message(request, exc)
    else:
        messages.success(request, f"{attachment.filename} removed from the working copy.")
    return redirect("quotes:edit", pk=quote.pk)


@company_page
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """The supplier's own files at any time; the buyer's only those in the opened revision (the seal)."""
    attachment = selectors.attachment_get_for(
        actor=request.user, company=request.company, quote_pk=pk, pk=attachment_pk
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


# --- the buyer's side ----------------------------------------------------------------------------------------
def _bought_tender(request: HttpRequest, tender_pk: int) -> Any:
    tender = tender_selectors.tender_get_for(actor=request.user, company=request.company, pk=tender_pk)
    if not tender_selectors.is_buyer(tender, request.company):
        raise NotFound("No such tender.")
    return tender


@company_page
@require_http_methods(["GET", "POST"])
def opening(request: HttpRequest, tender_pk: int) -> HttpResponse:
    """The opening: when it is due, how many quotes (only if the tender shows it), the button to open
    (or, for a committee, to confirm), and afterwards the record with every receipt."""
    tender = _bought_tender(request, tender_pk)
    if request.method == "POST":
        require_action(request, "evaluation.view")
        try:
            if tender.committee_opening_required:
                services.opening_confirm(tender=tender, actor=request.user, request=request)
            else:
                services.tender_open(tender=tender, actor=request.user, request=request)
        except (InvalidState, PermissionDenied, ValidationFailed) as exc:
            error_message(request, exc)
        else:
            tender.refresh_from_db()
            if tender.opened_at:
                messages.success(request, "The quotes are open.")
                return redirect("quotes:comparison", tender_pk=tender.pk)
            messages.success(request, "Your confirmation is recorded; the opening waits for the quorum.")
        return redirect("quotes:opening", tender_pk=tender.pk)
    _tender, record, entries = selectors.opening_for(actor=request.user, company=request.company, tender_pk=tender.pk)
    count = selectors.quote_count_for(actor=request.user, company=request.company, tender_pk=tender.pk)
    due = tender.effective_opening_at is not None and tender.effective_opening_at <= timezone.now()
    context = {"tender": tender, "opening": record, "entries": entries, "count": count, "due": due}
    return render(request, "quotes/opening.html", context)


def _score_key(quote_id: int, criterion_id: int) -> str:
    return f"score-{quote_id}-{criterion_id}"


def _comparison_context(request: HttpRequest, tender_pk: int, **extra: Any) -> dict[str, Any]:
    comparison = selectors.comparison_for(actor=request.user, company=request.company, tender_pk=tender_pk)
    scored = [c for c in comparison.criteria if c.kind != CriterionKind.PRICE]
    mine = {
        (score.quote_id, score.criterion_id): score.score
        for score in selectors.scores_for(actor=request.user, company=request.company, tender_pk=tender_pk)
        if score.evaluator_id == request.user.pk
    }
    posted = extra.pop("posted", None)
    competing = [entry for entry in comparison.quotes if entry.quote.status != QuoteStatus.REJECTED]
    score_rows = [
        (
            entry,
            [
                (
                    criterion,
                    _score_key(entry.quote.pk, criterion.pk),
                    posted.get(_score_key(entry.quote.pk, criterion.pk))
                    if posted is not None
                    else mine.get((entry.quote.pk, criterion.pk), ""),
                )
                for criterion in scored
            ],
        )
        for entry in competing
    ]
    actions = permissions.actions_for(request.user, request.company)
    context = {
        "tender": comparison.tender,
        "comparison": comparison,
        "scored_criteria": scored,
        "score_rows": score_rows,
        "competing": competing,
        "ranked": sorted(competing, key=lambda entry: entry.rank or 0),
        "can_score": "evaluation.score" in actions and comparison.tender.status == TenderStatus.OPENED,
        "can_award": "award.make" in actions and comparison.tender.status == TenderStatus.OPENED,
        "awards": list(selectors.awards_for(actor=request.user, company=request.company, tender_pk=tender_pk)),
        "score_errors": {},
        "award_rows": [
            (row, [(entry, entry.lines[row.item.pk]) for entry in competing if row.item.pk in entry.lines])
            for row in comparison.rows
        ],
    }
    context.update(extra)
    return context


@company_page
def comparison(request: HttpRequest, tender_pk: int) -> HttpResponse:
    """Items x suppliers, lowest unit price marked, totals, deviations, scores and ranking."""
    tender = _bought_tender(request, tender_pk)
    require_action(request, "evaluation.view")
    try:
        context = _comparison_context(request, tender.pk)
    except InvalidState as exc:
        error_message(request, exc)
        return redirect("quotes:opening", tender_pk=tender.pk)
    return render(request, "quotes/comparison.html", context)


@company_page
@require_POST
def score(request: HttpRequest, tender_pk: int) -> HttpResponse:
    """Store the evaluator's scores (0-10) typed in the scoring form; empty boxes are left alone."""
    tender = _bought_tender(request, tender_pk)
    require_action(request, "evaluation.score")
    try:
        context = _comparison_context(request, tender.pk, posted=request.POST)
    except InvalidState as exc:
        error_message(request, exc)
        return redirect("quotes:opening", tender_pk=tender.pk)
    errors: dict[str, list[str]] = {}
    saved = 0
    for entry, cells in context["score_rows"]:
        for criterion, key, value in cells:
            value = (value or "").strip() if isinstance(value, str) else value
            if value in ("", None):
                continue
            try:
                services.score_set(
                    quote=entry.quote, criterion=criterion, actor=request.user, score=value, request=request
                )
                saved += 1
            except ValidationFailed as exc:
                errors[key] = [message for messages_ in exc.errors.values() for message in messages_] or [exc.message]
            except (InvalidState, PermissionDenied) as exc:
                errors[key] = [exc.message]
    if errors:
        context = _comparison_context(request, tender.pk, posted=request.POST, score_errors=errors)
        return page_or_partial(
            request, "quotes/comparison.html", "quotes/partials/score_form.html", context, status=400
        )
    if is_htmx(request):
        context = _comparison_context(request, tender.pk, scores_saved=saved)
        return render(request, "quotes/partials/comparison_body.html", context)
    messages.success(request, f"{saved} score{'s' if saved != 1 else ''} saved.")
    return redirect("quotes:comparison", tender_pk=tender.pk)


def _award_plan(request: HttpRequest, context: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Read the award form: the whole tender to one quote, or each item to a quote."""
    competing = {entry.quote.pk: entry for entry in context["competing"]}
    problems: list[str] = []
    plan: list[dict[str, Any]] = []
    if request.POST.get("mode") == "items":
        by_quote: dict[int, dict[str, Any]] = {}
        for row in context["comparison"].rows:
            choice = request.POST.get(f"item-{row.item.pk}", "")
            if not choice:
                continue
            entry = competing.get(int(choice)) if choice.isdigit() else None
            if entry is None or row.item.pk not in entry.lines:
                problems.append(f"Item {row.item.number}: choose a quote that offers it.")
                continue
            group = by_quote.setdefault(entry.quote.pk, {"entry": entry, "items": [], "amount": Decimal(0)})
            group["items"].append(row.item)
            group["amount"] += entry.lines[row.item.pk].total
        plan = list(by_quote.values())
        if not plan and not problems:
            problems.append("Choose a quote for at least one item.")
    else:
        choice = request.POST.get("quote", "")
        entry = competing.get(int(choice)) if choice.isdigit() else None
        if entry is None:
            problems.append("Choose the quote that wins the whole tender.")
        else:
            plan = [{"entry": entry, "items": [], "amount": entry.total}]
    return plan, problems


@company_page
@require_http_methods(["GET", "POST"])
def award(request: HttpRequest, tender_pk: int) -> HttpResponse:
    """Award in two steps: choose (whole tender or per item) and review; then confirm."""
    tender = _bought_tender(request, tender_pk)
    require_action(request, "award.make")
    try:
        context = _comparison_context(request, tender.pk)
    except InvalidState as exc:
        error_message(request, exc)
        return redirect("quotes:opening", tender_pk=tender.pk)
    if request.method == "GET":
        return render(request, "quotes/award_form.html", context)
    plan, problems = _award_plan(request, context)
    if problems:
        return render(request, "quotes/award_form.html", {**context, "problems": problems}, status=400)
    if request.POST.get("confirm") != "yes":
        return render(
            request, "quotes/award_confirm.html", {**context, "plan": plan, "mode": request.POST.get("mode", "whole")}
        )
    if request.POST.get("mode") == "items":
        awards = [{"quote": group["entry"].quote.pk, "items": [item.pk for item in group["items"]]} for group in plan]
    else:
        awards = [{"quote": plan[0]["entry"].quote.pk}]
    try:
        services.award_make(
            tender=tender, actor=request.user, awards=awards, note=request.POST.get("note", ""), request=request
        )
    except ValidationFailed as exc:
        problems = [message for messages_ in exc.errors.values() for message in messages_] or [exc.message]
        return render(request, "quotes/award_form.html", {**context, "problems": problems}, status=400)
    except InvalidState as exc:
        error_message(request, exc)
        return redirect("quotes:comparison", tender_pk=tender.pk)
    messages.success(request, "Awarded. Every supplier with an opened quote is told the result.")
    return redirect("quotes:comparison", tender_pk=tender.pk)


# --- shortlist and reject ------------------------------------------------------------------------------------
def _bought_quote(request: HttpRequest, pk: int) -> Quote:
    """An opened quote of a tender the active company buys (its own quotes are not decided here)."""
    quote = selectors.quote_get_for(actor=request.user, company=request.company, pk=pk)
    if not tender_selectors.is_buyer(quote.tender, request.company):
        raise NotFound("No such quote.")
    require_action(request, "award.make")
    return quote


@company_page
@require_POST
def quote_shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _bought_quote(request, pk)
    try:
        services.quote_shortlist(quote=quote, actor=request.user, request=request)
    except InvalidState as exc:
        error_message(request, exc)
    else:
        messages.success(request, f"The quote of {quote.supplier.display_name} is shortlisted.")
    return redirect("quotes:comparison", tender_pk=quote.tender_id)


@company_page
@require_http_methods(["GET", "POST"])
def quote_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page with the reason (the supplier reads it); POST rejects."""
    quote = _bought_quote(request, pk)
    form = RejectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_reject(quote=quote, actor=request.user, reason=form.cleaned_data["reason"], request=request)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except InvalidState as exc:
            error_message(request, exc)
            return redirect("quotes:comparison", tender_pk=quote.tender_id)
        else:
            messages.success(
                request, f"The quote of {quote.supplier.display_name} is rejected; the supplier is told why."
            )
            return redirect("quotes:comparison", tender_pk=quote.tender_id)
    context = {"quote": quote, "tender": quote.tender, "form": form}
    return render(request, "quotes/quote_reject.html", context, status=400 if form.errors else 200)
