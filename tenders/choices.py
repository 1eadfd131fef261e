"""Enumerations of the tenders domain."""

from __future__ import annotations

from django.db import models


class TenderStatus(models.TextChoices):
    """draft -> published -> closed -> opened -> awarded | unsuccessful; cancelled from any state before award.

    Only tenders.services assigns a status (quotes' opening service calls ``tender_mark_opened``).
    """

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"
    OPENED = "opened", "Opened"
    AWARDED = "awarded", "Awarded"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
    CANCELLED = "cancelled", "Cancelled"


# States in which suppliers may see a tender (a draft is the buyer's alone).
SUPPLIER_VISIBLE_STATUSES = (
    TenderStatus.PUBLISHED,
    TenderStatus.CLOSED,
    TenderStatus.OPENED,
    TenderStatus.AWARDED,
    TenderStatus.UNSUCCESSFUL,
    TenderStatus.CANCELLED,
)
# States that may still be cancelled (anything before a final outcome).
CANCELLABLE_STATUSES = (TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.CLOSED, TenderStatus.OPENED)


class TenderType(models.TextChoices):
    RFQ = "rfq", "Request for quotation"
    RFP = "rfp", "Request for proposal"
    ITB = "itb", "Invitation to bid"


class Visibility(models.TextChoices):
    """``public``: every supplier registered in the tender's category sees it; ``invited``: only invitees."""

    PUBLIC = "public", "Public to suppliers of its category"
    INVITED = "invited", "Invited suppliers only"


class CriterionKind(models.TextChoices):
    PRICE = "price", "Price"
    DELIVERY = "delivery", "Delivery time"
    QUALITY = "quality", "Quality"
    WARRANTY = "warranty", "Warranty"
    OTHER = "other", "Other"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
