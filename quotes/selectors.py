"""Every read of quotes, scoped to the company asking — the one place DESIGN rule 2 is enforced.

Who reads what:

- the supplier that owns a quote (members with ``quote.view``; API keys with ``quotes:read``):
  everything about it, always — working copy, every revision, receipts, attachments;
- the buyer of the tender: nothing of a quote before it is opened. After the opening it reads the
  opened quotes (status opened/shortlisted/rejected/awarded) and, of each, only the revision that
  was opened. Withdrawn quotes and drafts stay the supplier's alone. Before the opening the buyer
  may learn how many quotes were submitted, and only when the tender says so;
- other suppliers: nothing of other suppliers' quotes; after the opening, the receipt hashes of
  the opening record (without prices), so each can check its own;
- anybody else (staff included, outside the admin): nothing. The admin applies the same seal.

A quote the asker may not read is "not found", so ids leak nothing. Lists contain only readable
rows, so filtering or ordering them by price cannot reveal a sealed price.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from companies import permissions
from companies.models import Company
from cotai.exceptions import InvalidState, NotFound
from quotes import money
from quotes.choices import OPENED_STATUSES, QuoteStatus
from quotes.models import (
    Award,
    OpeningEntry,
    Quote,
    QuoteAttachment,
    QuoteLine,
    QuoteRevision,
    QuoteScore,
    TenderOpening,
)
from tenders.choices import CriterionKind, TenderStatus
from tenders.models import Tender, TenderCriterion, TenderItem

HUNDRED = Decimal(100)
TEN = Decimal(10)
SCORE_PLACES = Decimal("0.01")


def _int(pk: Any, what: str) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No such {what}.") from None


def readable_q(company: Company) -> Q:
    """Quotes ``company`` may read: its own, and opened quotes of tenders it buys."""
    return Q(supplier=company) | Q(
        tender__buyer=company, status__in=OPENED_STATUSES, tender__opened_at__isnull=False, opened_at__isnull=False
    )


def quote_list_for(*, actor: Any, company: Company | None) -> QuerySet[Quote]:
    """The quotes ``company`` may read through ``actor`` (empty without ``quote.view``).

    Joined: tender, tender buyer, supplier and current revision, so a page of quotes costs the same
    number of queries whatever its length.
    """
    if company is None or not permissions.can(actor, "quote.view", company):
        return Quote.objects.none()
    return (
        Quote.objects.filter(readable_q(company))
        .select_related("tender", "tender__buyer", "supplier", "current_revision")
        .order_by("-created_at", "-id")
    )


def quote_get_for(*, actor: Any, company: Company | None, pk: Any) -> Quote:
    quote = quote_list_for(actor=actor, company=company).filter(pk=_int(pk, "quote")).first()
    if quote is None:
        raise NotFound("No such quote.")
    return quote


def is_owner(quote: Quote, company: Company | None) -> bool:
    return company is not None and quote.supplier_id == company.pk


def quote_detail_for(*, actor: Any, company: Company | None, pk: Any) -> Quote:
    """A readable quote with what its detail shows: the owner's working lines and attachments."""
    quote = quote_get_for(actor=actor, company=company, pk=pk)
    if is_owner(quote, company):
        quote = (
            Quote.objects.select_related("tender", "tender__buyer", "supplier", "current_revision")
            .prefetch_related(
                Prefetch("lines", queryset=QuoteLine.objects.select_related("item").order_by("item__number")),
                Prefetch("attachments", queryset=QuoteAttachment.objects.filter(removed_at__isnull=True)),
            )
            .get(pk=quote.pk)
        )
    return quote


def revisions_for(*, actor: Any, company: Company | None, quote: Quote) -> QuerySet[QuoteRevision]:
    """The owner sees every revision; the buyer (after opening) only the revision that was opened."""
    quote = quote_get_for(actor=actor, company=company, pk=quote.pk)
    revisions = QuoteRevision.objects.filter(quote=quote).order_by("number")
    if is_owner(quote, company):
        return revisions
    opened = OpeningEntry.objects.filter(quote=quote).values("revision_id")
    return revisions.filter(pk__in=opened)


def revision_get_for(*, actor: Any, company: Company | None, quote_pk: Any, number: Any) -> QuoteRevision:
    quote = quote_get_for(actor=actor, company=company, pk=quote_pk)
    revision = revisions_for(actor=actor, company=company, quote=quote).filter(number=_int(number, "revision")).first()
    if revision is None:
        raise NotFound("No such revision.")
    return revision


def opened_revision_ids(quotes: list[Quote]) -> dict[int, int]:
    """quote id -> id of the revision opened for it (one query)."""
    entries = OpeningEntry.objects.filter(quote_id__in=[quote.pk for quote in quotes]).values_list(
        "quote_id", "revision_id"
    )
    return dict(entries)


def attachment_get_for(*, actor: Any, company: Company | None, quote_pk: Any, pk: Any) -> QuoteAttachment:
    """An attachment the asker may download: the owner's any; the buyer's only those in the opened revision."""
    quote = quote_get_for(actor=actor, company=company, pk=quote_pk)
    attachment = QuoteAttachment.objects.filter(quote=quote, pk=_int(pk, "attachment")).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    if not is_owner(quote, company):
        entry = OpeningEntry.objects.filter(quote=quote).select_related("revision").first()
        listed = {item["id"] for item in entry.revision.content.get("attachments", [])} if entry else set()
        if attachment.pk not in listed:
            raise NotFound("No such attachment.")
    return attachment


# --- the buyer's view of a tender's quotes -----------------------------------------------------------------
def _buyer_tender(*, actor: Any, company: Company | None, tender_pk: Any, action: str) -> Tender:
    """The tender ``tender_pk`` if ``company`` buys it and ``actor`` may do ``action``; NotFound otherwise."""
    tender = Tender.objects.select_related("buyer").filter(pk=_int(tender_pk, "tender")).first()
    if (
        tender is None
        or company is None
        or tender.buyer_id != company.pk
        or not permissions.can(actor, action, company)
    ):
        raise NotFound("No such tender.")
    return tender


def _require_opened(tender: Tender) -> None:
    if tender.opened_at is None:
        opening = tender.effective_opening_at
        raise InvalidState(
            "The quotes are sealed until the opening" + (f" ({opening.isoformat()})." if opening else ".")
        )


def quote_count_for(*, actor: Any, company: Company | None, tender_pk: Any) -> dict[str, Any]:
    """How many quotes a tender has, for its buyer: before the opening only when the tender allows it.

    Returns {"tender_id", "sealed", "count"}; ``count`` is None when the buyer may not know it yet.
    Drafts and withdrawn quotes are never counted (they are not quotes the buyer will receive).
    """
    tender = _buyer_tender(actor=actor, company=company, tender_pk=tender_pk, action="tender.view")
    sealed = tender.opened_at is None
    count: int | None
    if sealed:
        allowed = tender.show_quote_count_before_opening and tender.status != TenderStatus.DRAFT
        count = Quote.objects.filter(tender=tender, status=QuoteStatus.SUBMITTED).count() if allowed else None
    else:
        count = Quote.objects.filter(tender=tender, status__in=OPENED_STATUSES).count()
    return {"tender_id": tender.pk, "sealed": sealed, "count": count}


@dataclass
class Acknowledgement:
    quote_id: int
    supplier_id: int
    supplier_name: str
    status: str
    confirmed_version: int
    needs_confirmation: bool


def acknowledgements_for(*, actor: Any, company: Company | None, tender_pk: Any) -> dict[str, Any]:
    """Which tender version each supplier has acknowledged (submitted or confirmed against).

    After the opening: one row per opened quote. Before it, naming suppliers would tell the buyer who
    has quoted — more than the seal allows — so only totals are given, and only when the tender
    shows the quote count: {"acknowledged": n, "pending": m}.
    """
    tender = _buyer_tender(actor=actor, company=company, tender_pk=tender_pk, action="tender.view")
    result: dict[str, Any] = {
        "tender_id": tender.pk,
        "version": tender.version,
        "material_version": tender.material_version,
        "sealed": tender.opened_at is None,
        "summary": None,
        "suppliers": [],
    }
    if tender.opened_at is None:
        if tender.show_quote_count_before_opening:
            submitted = Quote.objects.filter(tender=tender, status=QuoteStatus.SUBMITTED)
            pending = submitted.filter(confirmed_version__lt=tender.material_version).count()
            result["summary"] = {"acknowledged": submitted.count() - pending, "pending": pending}
        return result
    quotes = Quote.objects.filter(tender=tender, status__in=OPENED_STATUSES).select_related("supplier").order_by("pk")
    result["suppliers"] = [
        Acknowledgement(
            quote_id=quote.pk,
            supplier_id=quote.supplier_id,
            supplier_name=quote.supplier.display_name,
            status=quote.status,
            confirmed_version=quote.confirmed_version,
            needs_confirmation=quote.confirmed_version < tender.material_version,
        )
        for quote in quotes
    ]
    return result


def opening_for(*, actor: Any, company: Company | None, tender_pk: Any) -> tuple[Tender, TenderOpening | None, list]:
    """The opening record of a tender, for its buyer and for suppliers with a quote in it.

    Returns (tender, opening or None, entries). Suppliers see every entry's receipt (revision,
    time, SHA-256) but not who sent the others (``disclosed`` is False on those entries):
    the hashes let each check its own quote without learning who else bid.
    """
    tender_id = _int(tender_pk, "tender")
    tender = Tender.objects.select_related("buyer").filter(pk=tender_id).first()
    if tender is None or company is None or not permissions.can(actor, "quote.view", company):
        raise NotFound("No such tender.")
    buyer = tender.buyer_id == company.pk
    participant = Quote.objects.filter(tender=tender, supplier=company).exclude(status=QuoteStatus.DRAFT).exists()
    if not buyer and not participant:
        raise NotFound("No such tender.")
    opening = TenderOpening.objects.filter(tender=tender).first()
    entries: list[OpeningEntry] = []
    if opening is not None:
        entries = list(opening.entries.select_related("supplier").order_by("submitted_at", "id"))
        for entry in entries:
            # Read by the serializer: whether the asker may see who this entry is.
            entry.disclosed = buyer or entry.supplier_id == company.pk
    return tender, opening, entries


# --- comparison and evaluation ---------------------------------------------------------------------------
@dataclass
class Cell:
    """One quote's offer for one item. ``line`` is the line as stored in the revision's content
    (amounts already written as strings, so exports need not format them again)."""

    item_id: int
    unit_price: Decimal
    quantity: Decimal
    line: dict[str, Any]
    is_lowest: bool = False
    short_quantity: bool = False

    @property
    def total(self) -> Decimal:
        return Decimal(self.line["total"])

    @property
    def lead_time_days(self) -> int | None:
        return self.line.get("lead_time_days")

    @property
    def brand_model(self) -> str:
        return self.line.get("brand_model", "")


@dataclass
class Deviation:
    code: str
    message: str
    items: list[int] = field(default_factory=list)


@dataclass
class ComparedQuote:
    quote: Quote
    revision: QuoteRevision
    lines: dict[int, Cell]
    deviations: list[Deviation]
    criterion_scores: dict[int, Decimal | None] = field(default_factory=dict)
    criterion_points: dict[int, Decimal | None] = field(default_factory=dict)
    price_points: Decimal | None = None
    weighted_total: Decimal | None = None
    scoring_complete: bool = False
    rank: int | None = None

    @property
    def total(self) -> Decimal:
        return money.quantize(self.revision.total, self.revision.currency)


@dataclass
class Row:
    item: TenderItem
    cells: list[Cell | None]
    lowest_unit_price: Decimal | None


@dataclass
class Comparison:
    tender: Tender
    currency: str
    items: list[TenderItem]
    criteria: list[TenderCriterion]
    quotes: list[ComparedQuote]
    rows: list[Row]
    lowest_total: Decimal | None


def _cells(revision: QuoteRevision, currency: str) -> dict[int, Cell]:
    cells = {}
    for line in revision.content.get("lines", []):
        cells[line["item_id"]] = Cell(
            item_id=line["item_id"],
            unit_price=Decimal(line["unit_price"]),
            quantity=Decimal(line["quantity"]),
            line=line,
        )
    return cells


def _deviations(
    tender: Tender, quote: Quote, cells: dict[int, Cell], items: list[TenderItem], today
) -> list[Deviation]:
    deviations = []
    missing = [item.number for item in items if item.pk not in cells]
    if missing:
        deviations.append(
            Deviation("missing_items", "No price for item(s) " + ", ".join(map(str, missing)) + ".", missing)
        )
    short = []
    for item in items:
        cell = cells.get(item.pk)
        if cell is not None and cell.quantity < item.quantity:
            cell.short_quantity = True
            short.append(item.number)
    if short:
        deviations.append(
            Deviation(
                "short_quantity",
                "Less than the requested quantity for item(s) " + ", ".join(map(str, short)) + ".",
                short,
            )
        )
    if quote.validity_date is not None and quote.validity_date < today:
        deviations.append(
            Deviation("validity_expired", f"The quote was valid until {quote.validity_date.isoformat()}.")
        )
    if quote.confirmed_version < tender.material_version:
        deviations.append(
            Deviation(
                "not_confirmed",
                f"Submitted against version {quote.confirmed_version}; the tender changed materially in version "
                f"{tender.material_version}.",
            )
        )
    return deviations


def comparison_for(*, actor: Any, company: Company | None, tender_pk: Any) -> Comparison:
    """Side-by-side comparison and scoring of the opened quotes of a tender, for its buyer.

    Needs ``evaluation.view`` in the buyer company and an opened tender (InvalidState while sealed).
    Per item: each quote's unit price, quantity and line total, the lowest unit price marked (among
    quotes not rejected). Per quote: totals, delivery, deviations (missing items, short quantities,
    expired validity, not confirmed after a material amendment), and the scores:

    - price points = lowest total / this total x price weight (rejected quotes take no part);
    - every other criterion: the evaluators' average score (0-10) / 10 x weight;
    - weighted total = the sum; ranked highest first (ties: lower total, then earlier submission).

    Points are rounded to 0.01 (ROUND_HALF_UP). The query count does not depend on the number of
    quotes or items (tender, items, criteria, quotes with revisions, scores).
    """
    tender = _buyer_tender(actor=actor, company=company, tender_pk=tender_pk, action="evaluation.view")
    _require_opened(tender)
    currency = tender.currency.upper()
    items = list(TenderItem.objects.filter(tender=tender).order_by("number"))
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("id"))
    quotes = list(
        Quote.objects.filter(tender=tender, status__in=OPENED_STATUSES)
        .select_related("supplier", "current_revision")
        .order_by("pk")
    )
    scores: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for quote_id, criterion_id, score in QuoteScore.objects.filter(quote__tender=tender).values_list(
        "quote_id", "criterion_id", "score"
    ):
        scores[(quote_id, criterion_id)].append(score)

    today = timezone.localdate()
    compared = []
    for quote in quotes:
        revision = quote.current_revision
        cells = _cells(revision, currency)
        compared.append(
            ComparedQuote(
                quote=quote, revision=revision, lines=cells, deviations=_deviations(tender, quote, cells, items, today)
            )
        )
    ranked = [entry for entry in compared if entry.quote.status != QuoteStatus.REJECTED]

    rows = []
    for item in items:
        offers = [entry.lines.get(item.pk) for entry in compared]
        competing = [entry.lines[item.pk].unit_price for entry in ranked if item.pk in entry.lines]
        lowest = min(competing) if competing else None
        for entry in ranked:
            cell = entry.lines.get(item.pk)
            if cell is not None and cell.unit_price == lowest:
                cell.is_lowest = True
        rows.append(Row(item=item, cells=offers, lowest_unit_price=lowest))

    lowest_total = min((entry.total for entry in ranked), default=None)
    _score(ranked, criteria, scores, lowest_total)
    return Comparison(
        tender=tender,
        currency=currency,
        items=items,
        criteria=criteria,
        quotes=compared,
        rows=rows,
        lowest_total=lowest_total,
    )


def _points(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, rounding=money.ROUNDING)


def _score(
    ranked: list[ComparedQuote],
    criteria: list[TenderCriterion],
    scores: dict[tuple[int, int], list[Decimal]],
    lowest_total: Decimal | None,
) -> None:
    for entry in ranked:
        weighted = Decimal(0)
        complete = True
        for criterion in criteria:
            if criterion.kind == CriterionKind.PRICE:
                if entry.total > 0:
                    points = _points(lowest_total / entry.total * criterion.weight)
                else:  # a zero total is the lowest possible price
                    points = _points(criterion.weight)
                entry.price_points = points
                weighted += points
                continue
            given = scores.get((entry.quote.pk, criterion.pk), [])
            if not given:
                entry.criterion_scores[criterion.pk] = None
                entry.criterion_points[criterion.pk] = None
                complete = False
                continue
            average = sum(given, Decimal(0)) / len(given)
            entry.criterion_scores[criterion.pk] = _points(average)
            points = _points(average / TEN * criterion.weight)
            entry.criterion_points[criterion.pk] = points
            weighted += points
        entry.weighted_total = _points(weighted)
        entry.scoring_complete = complete
    ordered = sorted(
        ranked,
        key=lambda entry: (-entry.weighted_total, entry.total, entry.revision.submitted_at, entry.quote.pk),
    )
    for position, entry in enumerate(ordered, start=1):
        entry.rank = position


def scores_for(*, actor: Any, company: Company | None, tender_pk: Any) -> QuerySet[QuoteScore]:
    """Every evaluator's scores of a tender's opened quotes, for its buyer (``evaluation.view``)."""
    tender = _buyer_tender(actor=actor, company=company, tender_pk=tender_pk, action="evaluation.view")
    _require_opened(tender)
    return (
        QuoteScore.objects.filter(quote__tender=tender, quote__status__in=OPENED_STATUSES)
        .select_related("quote__supplier", "criterion", "evaluator")
        .order_by("quote_id", "criterion_id", "evaluator_id")
    )


def awards_for(*, actor: Any, company: Company | None, tender_pk: Any) -> QuerySet[Award]:
    """A tender's awards: the buyer sees all; a supplier only the awards made to its own quotes."""
    tender_id = _int(tender_pk, "tender")
    if company is None or not permissions.can(actor, "quote.view", company):
        raise NotFound("No such tender.")
    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        raise NotFound("No such tender.")
    awards = Award.objects.filter(tender=tender).select_related("quote__supplier", "item").order_by("id")
    if tender.buyer_id == company.pk:
        return awards
    if not Quote.objects.filter(tender=tender, supplier=company).exists():
        raise NotFound("No such tender.")
    return awards.filter(quote__supplier=company)


def tenders_with_quote_of(company: Company) -> QuerySet[Tender]:
    """Tenders in which ``company`` has a (non-draft) quote: it takes part in them."""
    return Tender.objects.filter(
        Exists(Quote.objects.filter(tender=OuterRef("pk"), supplier=company).exclude(status=QuoteStatus.DRAFT))
    )


def quote_counts_for(*, actor: Any, company: Company | None, tenders: list[Tender]) -> dict[int, int | None]:
    """How many quotes each of ``company``'s tenders has, as quote_count_for says it, in one query.

    tender id -> count, or None while the tender is sealed and does not show its count (or is a
    draft); other companies' tenders and actors without ``tender.view`` get None for every tender.
    """
    result: dict[int, int | None] = {tender.pk: None for tender in tenders}
    if company is None or not permissions.can(actor, "tender.view", company):
        return result
    sealed = [
        t.pk
        for t in tenders
        if t.buyer_id == company.pk
        and t.opened_at is None
        and t.show_quote_count_before_opening
        and t.status != TenderStatus.DRAFT
    ]
    opened = [t.pk for t in tenders if t.buyer_id == company.pk and t.opened_at is not None]
    if not sealed and not opened:
        return result
    for tender_id in sealed + opened:
        result[tender_id] = 0
    condition = Q(tender_id__in=sealed, status=QuoteStatus.SUBMITTED) | Q(
        tender_id__in=opened, status__in=OPENED_STATUSES
    )
    for row in Quote.objects.filter(condition).values("tender_id").annotate(n=Count("id")).order_by():
        result[row["tender_id"]] = row["n"]
    return result
