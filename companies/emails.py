"""The invitation email. It carries the only copy of the token, so it is sent by this app itself
(after commit, from the request that created the invitation) rather than through a domain event,
whose payload is stored and relayed."""

from __future__ import annotations

import smtplib

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from companies.models import Invitation

log = structlog.get_logger("cotai.companies")


def accept_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("companies:invitation-accept", kwargs={"token": token})


def send_invitation(*, invitation: Invitation, token: str) -> bool:
    """Send the invitation to its address; returns False (and logs) when the mail server refuses."""
    context = {
        "invitation": invitation,
        "company": invitation.company,
        "inviter": invitation.invited_by,
        "accept_url": accept_url(token),
        "role": invitation.get_role_display(),
    }
    subject = f"You are invited to join {invitation.company.display_name} on CotAi"
    body = render_to_string("companies/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except (smtplib.SMTPException, OSError):
        # The invitation stays valid; an admin can send it again from the members page.
        log.exception("companies.invitation_email_failed", invitation_id=invitation.pk)
        return False
    log.info("companies.invitation_email_sent", invitation_id=invitation.pk)
    return True


def send_invitation_on_commit(*, invitation: Invitation, token: str) -> None:
    transaction.on_commit(lambda: send_invitation(invitation=invitation, token=token))
