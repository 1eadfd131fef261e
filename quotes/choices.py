"""Enumerations of the quotes domain."""

from __future__ import annotations

from django.db import models


class QuoteStatus(models.TextChoices):
    """draft -> submitted (revisions) -> withdrawn | opened -> shortlisted | rejected | awarded.

    Only quotes.services assigns a status. A withdrawn quote may be submitted again before the deadline.
    """

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    OPENED = "opened", "Opened"
    SHORTLISTED = "shortlisted", "Shortlisted"
    REJECTED = "rejected", "Rejected"
    AWARDED = "awarded", "Awarded"


# A quote in one of these states has been opened: the buyer may read it (DESIGN rule 2).
OPENED_STATUSES = (QuoteStatus.OPENED, QuoteStatus.SHORTLISTED, QuoteStatus.REJECTED, QuoteStatus.AWARDED)
# States in which the supplier may still change its draft and submit (before the deadline).
EDITABLE_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SUBMITTED, QuoteStatus.WITHDRAWN)
# States from which an award may be made to the quote.
AWARDABLE_STATUSES = (QuoteStatus.OPENED, QuoteStatus.SHORTLISTED)


class OpeningMethod(models.TextChoices):
    SCHEDULED = "scheduled", "At the opening time (scheduled)"
    COMMITTEE = "committee", "By the opening committee"
