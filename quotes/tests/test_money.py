"""Money: exact Decimal totals, quantized to the ISO 4217 minor unit with ROUND_HALF_UP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quotes import money

D = Decimal


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("BRL", 2), ("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("OMR", 3), ("brl", 2)],
)
def test_minor_units_follow_iso_4217(currency, digits):
    assert money.minor_units(currency) == digits
    assert money.quantum(currency) == D(1).scaleb(-digits)


# A fund code such as CLF is no currency a tender may be priced in, so money refuses it too.
@pytest.mark.parametrize("code", ["", "XXX", "XAU", "ABC", "EURO", "CLF"])
def test_unknown_currency_is_an_error_not_two_decimals(code):
    with pytest.raises(ValueError, match="ISO 4217"):
        money.minor_units(code)


def test_three_times_a_third_is_rounded_once_per_line():
    line = money.line_totals(unit_price="33.3333", quantity="3", currency="BRL")
    assert line.subtotal == D("100.00")
    assert str(line.total) == "100.00"


@pytest.mark.parametrize(("currency", "expected"), [("JPY", "100"), ("BRL", "100.00"), ("KWD", "100.000")])
def test_awkward_product_has_the_currencys_decimals(currency, expected):
    line = money.line_totals(unit_price="33.3333", quantity="3", currency=currency)
    assert str(line.total) == expected


def test_tenths_add_up_exactly():
    totals = money.quote_totals([{"unit_price": "0.1", "quantity": "1"}, {"unit_price": "0.2", "quantity": "1"}], "USD")
    assert totals.total == D("0.30")
    assert str(totals.total) == "0.30"


def test_floats_are_refused():
    with pytest.raises(TypeError, match="floats"):
        money.line_totals(unit_price=0.1, quantity="1", currency="USD")
    with pytest.raises(TypeError):
        money.to_decimal(1.5)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "abc"])
def test_non_finite_or_garbage_amounts_are_refused(value):
    with pytest.raises(ValueError, match="not a"):
        money.to_decimal(value)


def test_half_rounds_up_not_to_even():
    # 0.125 -> 0.13 with ROUND_HALF_UP (ROUND_HALF_EVEN would give 0.12).
    assert money.quantize(D("0.125"), "USD") == D("0.13")
    assert money.quantize(D("2.5"), "JPY") == D("3")
    assert money.quantize(D("0.0005"), "KWD") == D("0.001")


def test_discount_then_tax_each_rounded_to_the_minor_unit():
    # 7 x 1.99 = 13.93; 15 % discount = 2.0895 -> 2.09; net 11.84; 12.5 % tax = 1.48 -> 1.48; total 13.32
    line = money.line_totals(unit_price="1.99", quantity="7", discount="15", tax_rate="12.5", currency="EUR")
    assert (line.subtotal, line.discount, line.net, line.tax, line.total) == (
        D("13.93"),
        D("2.09"),
        D("11.84"),
        D("1.48"),
        D("13.32"),
    )


def test_tax_rounding_in_jpy_and_kwd():
    yen = money.line_totals(unit_price="333", quantity="1", tax_rate="10", currency="JPY")
    assert (yen.tax, yen.total) == (D("33"), D("366"))  # 33.3 -> 33
    dinar = money.line_totals(unit_price="1.2345", quantity="1", tax_rate="5", currency="KWD")
    # 1.2345 -> 1.235 (half up); 5 % = 0.06175 -> 0.062
    assert (dinar.subtotal, dinar.tax, dinar.total) == (D("1.235"), D("0.062"), D("1.297"))


def test_grand_total_is_the_sum_of_rounded_line_totals():
    lines = [{"unit_price": "0.005", "quantity": "1"}] * 3
    totals = money.quote_totals(lines, "USD")
    # Each line rounds 0.005 -> 0.01; the quote shows three lines of 0.01, so its total is 0.03.
    assert [line.total for line in totals.lines] == [D("0.01")] * 3
    assert totals.total == D("0.03")


def test_large_products_are_exact_before_rounding():
    # Exact product: 9999999945439900110000.54499984 -> 0.54. With Python's default 28-digit
    # context the product would first become ...0000.545000 and then round up to 0.55.
    line = money.line_totals(unit_price="99999999999999.0011", quantity="99999999.4544", currency="USD")
    assert line.subtotal == D("9999999945439900110000.54")


def test_fractional_quantities():
    line = money.line_totals(unit_price="12.50", quantity="0.3333", currency="BRL")
    assert line.total == D("4.17")  # 4.16625 -> 4.17


@pytest.mark.parametrize(("field", "value"), [("tax_rate", "-1"), ("tax_rate", "100.01"), ("discount", "101")])
def test_percentages_must_lie_between_0_and_100(field, value):
    with pytest.raises(ValueError, match="percentage"):
        money.line_totals(unit_price="1", quantity="1", currency="USD", **{field: value})


def test_negative_prices_and_quantities_are_refused():
    with pytest.raises(ValueError, match="unit_price"):
        money.line_totals(unit_price="-1", quantity="1", currency="USD")
    with pytest.raises(ValueError, match="quantity"):
        money.line_totals(unit_price="1", quantity="-1", currency="USD")


def test_format_amount_is_fixed_point():
    assert money.format_amount(D("1E+3"), "USD") == "1000.00"
    assert money.format_amount(D("1234.5"), "JPY") == "1235"


def test_empty_quote_totals_are_zero_in_the_currency():
    totals = money.quote_totals([], "KWD")
    assert str(totals.total) == "0.000"
