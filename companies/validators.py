"""Tax identifiers: Brazil's CNPJ with its check digits, a generic rule for every other country.

The CNPJ accepts the classic 14 digits and the alphanumeric form the Receita Federal issues from
July 2026 (12 characters A-Z/0-9 followed by two numeric check digits; each character weighs
``ord(char) - 48``, which gives the digits their usual values). Punctuation is accepted on input
("12.345.678/0001-95") and dropped on storage, so a numeric CNPJ is stored as its 14 digits.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_CNPJ_SEPARATORS = re.compile(r"[.\-/\s]")
_CNPJ_SHAPE = re.compile(r"^[0-9A-Z]{12}[0-9]{2}$")
_CNPJ_WEIGHTS_1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_WEIGHTS_2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)

# Other countries: 3-32 letters or digits, with "-", "." and "/" allowed between them.
_GENERIC_SHAPE = re.compile(r"^[0-9A-Z](?:[0-9A-Z./-]*[0-9A-Z])?$")
GENERIC_MIN_ALNUM = 3
GENERIC_MAX_ALNUM = 32


def _cnpj_check_digit(body: str, weights: tuple[int, ...]) -> str:
    total = sum((ord(char) - 48) * weight for char, weight in zip(body, weights, strict=True))
    remainder = total % 11
    return "0" if remainder < 2 else str(11 - remainder)


def cnpj_check_digits(first_twelve: str) -> str:
    """The two check digits of a CNPJ whose first 12 characters are given (upper-case, no punctuation)."""
    first = _cnpj_check_digit(first_twelve, _CNPJ_WEIGHTS_1)
    second = _cnpj_check_digit(first_twelve + first, _CNPJ_WEIGHTS_2)
    return first + second


def normalize_cnpj(value: str) -> str:
    """Upper-case without punctuation; raises ValidationError unless the check digits are right."""
    cleaned = _CNPJ_SEPARATORS.sub("", (value or "").strip().upper())
    if not _CNPJ_SHAPE.match(cleaned):
        raise ValidationError("Enter a CNPJ of 14 characters, e.g. 12.345.678/0001-95.", code="cnpj_format")
    if len(set(cleaned)) == 1:
        # 00.000.000/0000-00 and its kin pass the arithmetic but are never issued.
        raise ValidationError("This CNPJ is not valid.", code="cnpj_repeated")
    if cnpj_check_digits(cleaned[:12]) != cleaned[12:]:
        raise ValidationError("This CNPJ is not valid: its check digits do not match.", code="cnpj_check_digits")
    return cleaned


def format_cnpj(value: str) -> str:
    """12345678000195 -> 12.345.678/0001-95 (values of another shape are returned unchanged)."""
    if len(value) != 14:
        return value
    return f"{value[:2]}.{value[2:5]}.{value[5:8]}/{value[8:12]}-{value[12:]}"


def normalize_generic_tax_id(value: str) -> str:
    """Trimmed and upper-cased; raises ValidationError unless it has 3-32 letters/digits and only - . /."""
    cleaned = (value or "").strip().upper()
    alnum = sum(char.isascii() and char.isalnum() for char in cleaned)
    if not _GENERIC_SHAPE.match(cleaned) or not GENERIC_MIN_ALNUM <= alnum <= GENERIC_MAX_ALNUM:
        raise ValidationError(
            "Enter a tax id of 3 to 32 letters or digits; only '-', '.' and '/' may separate them.",
            code="tax_id_format",
        )
    return cleaned


def normalize_tax_id(*, country: str, value: str) -> str:
    """The stored form of ``value`` for ``country`` (ISO 3166-1 alpha-2); raises ValidationError if invalid."""
    if (country or "").upper() == "BR":
        return normalize_cnpj(value)
    return normalize_generic_tax_id(value)


def display_tax_id(*, country: str, value: str) -> str:
    return format_cnpj(value) if (country or "").upper() == "BR" else value
