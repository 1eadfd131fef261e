"""Money arithmetic for quotes: Decimal only, quantized to the currency's ISO 4217 minor unit.

The rules, which every total in CotAi follows (and which a supplier can re-do on paper):

- Amounts are :class:`~decimal.Decimal`; a float is refused, because ``0.1 + 0.2`` in binary floating
  point is not ``0.3``. Products are computed with 50 significant digits, so ``unit_price x quantity``
  (each up to 18 digits with 4 decimals) is exact before it is rounded.
- Rounding is ``ROUND_HALF_UP`` (a half goes away from zero): it is what invoices, spreadsheets
  (``ROUND()``) and most tax authorities use, so a supplier checking a total by hand gets the same
  figure. Amounts are never negative here, so "half up" and "half away from zero" coincide.
- Every line is rounded *once per step*, in this order, to the minor unit of the tender's currency::

      subtotal = round(unit_price x quantity)
      discount = round(subtotal x discount_percent / 100)
      net      = subtotal - discount
      tax      = round(net x tax_percent / 100)
      total    = net + tax

  The quote's figures are the sums of the line figures (sums of rounded amounts need no further
  rounding), so the grand total always equals the sum of the line totals shown to the supplier.
- The number of decimals comes from ISO 4217: JPY and KRW have none, BHD/KWD/OMR/TND three, most
  others two. The codes are those a tender may be priced in (tenders.currencies); an unknown code is an
  error, never a silent "2".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache

from tenders.currencies import ISO_4217_CODES

ROUNDING = ROUND_HALF_UP
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# Enough significant digits for Decimal(18, 4) x Decimal(18, 4) and a percentage, exactly.
_PRECISION = 50

# ISO 4217 currencies whose minor unit is not 2 decimals.
_MINOR_UNIT_EXCEPTIONS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
            "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}  # fmt: skip


@lru_cache(maxsize=256)
def minor_units(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217). Raises ``ValueError`` for an unknown code."""
    code = (currency or "").upper()
    if code not in ISO_4217_CODES:
        raise ValueError(f"Unknown ISO 4217 currency code: {currency!r}.")
    return _MINOR_UNIT_EXCEPTIONS.get(code, 2)


@lru_cache(maxsize=256)
def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``Decimal("1")`` for JPY, ``Decimal("0.01")`` for BRL."""
    return Decimal(1).scaleb(-minor_units(currency))


def to_decimal(value: Decimal | int | str, *, field: str = "amount") -> Decimal:
    """A finite Decimal from a Decimal, an int or a decimal string. Floats and NaN/Infinity are refused."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"{field}: floats are not accepted for money; pass a Decimal or a string.")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{field}: {value!r} is not a decimal number.") from exc
    if not result.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number.")
    return result


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded (ROUND_HALF_UP) to the minor unit of ``currency``."""
    with localcontext(Context(prec=_PRECISION, rounding=ROUNDING)):
        return to_decimal(amount).quantize(quantum(currency), rounding=ROUNDING)


def format_amount(amount: Decimal, currency: str) -> str:
    """Fixed-point string with exactly the currency's decimals ("1234.50", "1235" for JPY), never exponent."""
    return format(quantize(amount, currency), "f")


@dataclass(frozen=True, slots=True)
class LineTotals:
    """The figures of one quote line, each already quantized to the currency's minor unit."""

    subtotal: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    """The figures of a whole quote: sums of the line figures, plus the lines in input order."""

    currency: str
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[LineTotals, ...]


def _percent(value: Decimal | int | str, field: str) -> Decimal:
    result = to_decimal(value, field=field)
    if result < 0 or result > HUNDRED:
        raise ValueError(f"{field}: a percentage must lie between 0 and 100, not {result}.")
    return result


def line_totals(
    *,
    unit_price: Decimal | int | str,
    quantity: Decimal | int | str,
    currency: str,
    tax_rate: Decimal | int | str = ZERO,
    discount: Decimal | int | str = ZERO,
) -> LineTotals:
    """Totals of one line (see the module docstring for the order of the rounding steps).

    ``tax_rate`` and ``discount`` are percentages (``Decimal("12.5")`` is 12.5 %). Negative prices or
    quantities are refused with ``ValueError``.
    """
    price = to_decimal(unit_price, field="unit_price")
    qty = to_decimal(quantity, field="quantity")
    if price < 0:
        raise ValueError("unit_price: must not be negative.")
    if qty < 0:
        raise ValueError("quantity: must not be negative.")
    tax_pct = _percent(tax_rate, "tax_rate")
    discount_pct = _percent(discount, "discount")
    with localcontext(Context(prec=_PRECISION, rounding=ROUNDING)):
        subtotal = quantize(price * qty, currency)
        discount_amount = quantize(subtotal * discount_pct / HUNDRED, currency)
        net = subtotal - discount_amount
        tax = quantize(net * tax_pct / HUNDRED, currency)
        total = net + tax
    return LineTotals(subtotal=subtotal, discount=discount_amount, net=net, tax=tax, total=total)


def sum_totals(lines: Iterable[LineTotals], currency: str) -> Totals:
    """The quote figures from already computed line figures."""
    lines = tuple(lines)
    zero = quantize(ZERO, currency)

    def total_of(attr: str) -> Decimal:
        return sum((getattr(line, attr) for line in lines), zero)

    return Totals(
        currency=currency.upper(),
        subtotal=total_of("subtotal"),
        discount=total_of("discount"),
        net=total_of("net"),
        tax=total_of("tax"),
        total=total_of("total"),
        lines=lines,
    )


def quote_totals(lines: Iterable[dict], currency: str) -> Totals:
    """Totals of a quote from its lines: dicts with ``unit_price``, ``quantity`` and optionally
    ``tax_rate`` and ``discount`` (percentages). Lines are computed in the order given."""
    return sum_totals(
        (
            line_totals(
                unit_price=line["unit_price"],
                quantity=line["quantity"],
                tax_rate=line.get("tax_rate") or ZERO,
                discount=line.get("discount") or ZERO,
                currency=currency,
            )
            for line in lines
        ),
        currency,
    )
