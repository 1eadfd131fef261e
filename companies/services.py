"""Every change to companies, memberships and invitations goes through one of these functions.

Each one checks permissions (companies.permissions), runs in one transaction, records an audit
event (cotai.audit) and emits its domain event after commit (cotai.events). Views, the API and the
admin call them; none of them changes these rows by hand (only companies.demo seeds rows directly).

Owner rules, enforced here with the company row locked so two concurrent requests cannot break them:
- only owners may make, unmake, remove or invite owners (admins may not touch them);
- a company always keeps at least one active owner: the last owner can neither leave, be removed,
  nor be given another role.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from companies import emails, permissions
from companies.choices import Role
from companies.models import Category, Company, Invitation, Membership, hash_token
from cotai import audit, events
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed

User = get_user_model()

INVITATION_LIFETIME = timedelta(days=7)
SESSION_ACTIVE_COMPANY = "active_company_id"

# What a company admin may change through company_update (slug and code are fixed once created,
# is_verified belongs to staff).
EDITABLE_FIELDS = (
    "legal_name",
    "trade_name",
    "tax_id",
    "country",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "website",
    "kind",
    "mfa_required",
)
# Changing one of these un-verifies the company: staff verified the old identity, not the new one.
IDENTITY_FIELDS = ("legal_name", "tax_id", "country")


# --- helpers ---------------------------------------------------------------------------------------
def _failed(exc: DjangoValidationError) -> ValidationFailed:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return ValidationFailed("Please correct the errors below.", errors={k: list(v) for k, v in errors.items()})


def company_snapshot(company: Company) -> dict[str, Any]:
    """The audited view of a company (what before/after compare)."""
    data = {field: getattr(company, field) for field in EDITABLE_FIELDS}
    data["country"] = str(company.country)
    data["is_verified"] = company.is_verified
    data["code"] = company.code
    data["slug"] = company.slug
    if company.pk:
        data["categories"] = sorted(company.categories.values_list("code", flat=True))
    return data


def _ascii_letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).upper()


def _unique_code(name: str) -> str:
    """A free company code derived from the name: its first word, up to 6 letters (ACME, HORIZO)."""
    words = re.findall(r"[A-Z0-9]+", _ascii_letters(name))
    base = (words[0] if words else "CO")[:6]
    if len(base) < 2:
        base = "".join(words)[:6] or "CO"
    if not base[0].isalpha():
        base = ("C" + base)[:6]
    base = base.ljust(2, "X")
    candidate, number = base, 1
    while Company.objects.filter(code=candidate).exists():
        number += 1
        candidate = f"{base[: 10 - len(str(number))]}{number}"
    return candidate


# Words the company pages use as paths of their own (/companies/new/ ...), never a company's slug.
RESERVED_SLUGS = frozenset({"new", "switch", "invitations"})


def _unique_slug(name: str) -> str:
    base = slugify(_ascii_letters(name).lower())[:70] or "company"
    if base in RESERVED_SLUGS:
        base = f"{base}-company"
    candidate, number = base, 1
    while Company.objects.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _lock_company(company: Company) -> Company:
    """Lock the company row: every membership change of one company then happens one at a time."""
    return Company.objects.select_for_update().get(pk=company.pk)


def _active_owner_count(company: Company) -> int:
    return Membership.objects.owners().filter(company=company).count()


def _membership_data(membership: Membership) -> dict[str, Any]:
    return {"user_id": membership.user_id, "role": membership.role, "is_active": membership.is_active}


def _require_person(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or permissions.is_api_key(actor):
        raise PermissionDenied("Only a signed-in person can do this.")


# --- companies -------------------------------------------------------------------------------------
def company_create(
    *,
    actor: Any,
    legal_name: str,
    tax_id: str,
    country: str,
    kind: str,
    trade_name: str = "",
    code: str = "",
    address_line1: str = "",
    address_line2: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    website: str = "",
    mfa_required: bool = False,
    categories: Iterable[Category] = (),
    request: HttpRequest | None = None,
) -> Company:
    """Register a company with ``actor`` as its first owner.

    The tax id is validated for the country (CNPJ check digits in Brazil) and stored normalized.
    Refused input raises ValidationFailed with field errors and leaves no row behind.
    Side effects: audit company.created and membership.created; event company.created.
    """
    _require_person(actor)
    company = Company(
        legal_name=(legal_name or "").strip(),
        trade_name=(trade_name or "").strip(),
        tax_id=tax_id or "",
        country=(country or "").upper(),
        kind=kind,
        address_line1=address_line1,
        address_line2=address_line2,
        city=city,
        state=state,
        postal_code=postal_code,
        website=website,
        mfa_required=mfa_required,
    )
    code = (code or "").strip().upper()
    with transaction.atomic():
        company.slug = _unique_slug(company.trade_name or company.legal_name)
        company.code = code or _unique_code(company.trade_name or company.legal_name)
        try:
            company.full_clean(validate_constraints=False)
        except DjangoValidationError as exc:
            raise _failed(exc) from exc
        _refuse_duplicate_tax_id(company)
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError as exc:
            # Lost a race with another registration of the same tax id or code.
            raise ValidationFailed(
                "A company with this tax id or code was registered at the same time.",
                errors={"tax_id": ["A company with this tax id is already registered."]},
            ) from exc
        company.categories.set(list(categories))
        membership = Membership.objects.create(user=actor, company=company, role=Role.OWNER)
        permissions.clear_membership_cache(actor)
        audit.record(
            action="company.created",
            actor=actor,
            company=company,
            obj=company,
            after=company_snapshot(company),
            request=request,
        )
        audit.record(
            action="membership.created",
            actor=actor,
            company=company,
            obj=membership,
            after=_membership_data(membership),
            request=request,
        )
        events.emit_on_commit("company.created", company_id=company.pk, actor_id=actor.pk)
    return company


def _refuse_duplicate_tax_id(company: Company) -> None:
    taken = Company.objects.filter(country=company.country, tax_id=company.tax_id).exclude(pk=company.pk)
    if taken.exists():
        raise ValidationFailed(
            "A company with this tax id is already registered.",
            errors={"tax_id": ["A company with this tax id is already registered in this country."]},
        )
    if not company.pk and Company.objects.filter(code=company.code).exists():
        raise ValidationFailed("This code is taken.", errors={"code": ["Another company already uses this code."]})


def company_update(
    *,
    actor: Any,
    company: Company,
    data: Mapping[str, Any],
    categories: Iterable[Category] | None = None,
    request: HttpRequest | None = None,
) -> Company:
    """Change a company's profile (``data`` keys must be in EDITABLE_FIELDS; ``categories`` replaces the set).

    Needs company.edit. Changing the legal name, tax id or country clears ``is_verified``.
    Side effects: audit company.updated with the changed fields before and after; event company.updated.
    """
    permissions.require(actor, permissions.COMPANY_EDIT, company)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            "Some fields cannot be changed.", errors={name: ["This field cannot be changed."] for name in unknown}
        )
    with transaction.atomic():
        locked = _lock_company(company)
        before = company_snapshot(locked)
        for name, value in data.items():
            setattr(locked, name, value.strip() if isinstance(value, str) and name != "tax_id" else value)
        if "country" in data:
            locked.country = str(data["country"] or "").upper()
        try:
            locked.full_clean(validate_constraints=False)
        except DjangoValidationError as exc:
            raise _failed(exc) from exc
        _refuse_duplicate_tax_id(locked)
        if categories is not None:
            locked.categories.set(list(categories))
        after = company_snapshot(locked)
        if locked.is_verified and any(before[name] != after[name] for name in IDENTITY_FIELDS):
            locked.is_verified = False
            locked.verified_at = None
            after["is_verified"] = False
        changed = sorted(name for name in after if before.get(name) != after[name])
        locked.save()
        if changed:
            audit.record(
                action="company.updated",
                actor=actor,
                company=locked,
                obj=locked,
                before={name: before.get(name) for name in changed},
                after={name: after[name] for name in changed},
                request=request,
            )
            events.emit_on_commit("company.updated", company_id=locked.pk, fields=changed)
    company.refresh_from_db()
    return company


def company_set_verified(
    *, actor: Any, company: Company, verified: bool, request: HttpRequest | None = None
) -> Company:
    """Staff mark a company as verified (or take the mark away). Only staff; a no-op if unchanged.

    Side effects: audit company.verified / company.unverified.
    """
    if not getattr(actor, "is_staff", False) or not getattr(actor, "is_active", False) or permissions.is_api_key(actor):
        raise PermissionDenied("Only staff can verify companies.")
    with transaction.atomic():
        new_values = {"is_verified": verified, "verified_at": timezone.now() if verified else None}
        changed = Company.objects.filter(pk=company.pk, is_verified=not verified).update(**new_values)
        if changed:
            audit.record(
                action="company.verified" if verified else "company.unverified",
                actor=actor,
                company=company,
                obj=company,
                before={"is_verified": not verified},
                after={"is_verified": verified},
                request=request,
            )
    company.refresh_from_db()
    return company


def company_switch(*, actor: Any, company: Company, request: HttpRequest) -> Company:
    """Make ``company`` the active company of ``actor``'s browser session.

    Raises NotFound unless ``actor`` is an active member (another company's id reveals nothing).
    """
    if permissions.membership_for(actor, company) is None:
        raise NotFound("No such company.")
    request.session[SESSION_ACTIVE_COMPANY] = company.pk
    request.company = company
    return company


# --- memberships -----------------------------------------------------------------------------------
def membership_change_role(
    *, actor: Any, membership: Membership, role: str, request: HttpRequest | None = None
) -> Membership:
    """Give a member another role. Needs company.manage_members; owners only for owner roles.

    Refuses to leave the company without an owner. A no-op if the role does not change.
    Side effects: audit membership.role_changed; event member.role_changed.
    """
    company = membership.company
    permissions.require(actor, permissions.COMPANY_MANAGE_MEMBERS, company)
    role = Role(role)
    with transaction.atomic():
        _lock_company(company)
        current = Membership.objects.select_related("user").get(pk=membership.pk)
        if not current.is_active:
            raise InvalidState("This person is no longer a member.")
        if Role.OWNER in (current.role, role):
            permissions.require(actor, permissions.COMPANY_MANAGE_OWNERS, company)
        if current.role == role:
            return current
        if current.role == Role.OWNER and _active_owner_count(company) <= 1:
            raise InvalidState("The company must keep at least one owner; make someone else owner first.")
        before = current.role
        Membership.objects.filter(pk=current.pk).update(role=role, updated_at=timezone.now())
        current.role = role
        permissions.clear_membership_cache(actor, current.user, membership.user)
        audit.record(
            action="membership.role_changed",
            actor=actor,
            company=company,
            obj=current,
            before={"user_id": current.user_id, "role": before},
            after={"user_id": current.user_id, "role": role},
            request=request,
        )
        events.emit_on_commit(
            "member.role_changed",
            company_id=company.pk,
            user_id=current.user_id,
            member_id=current.pk,
            old_role=before,
            new_role=str(role),
            actor_id=actor.pk,
        )
    membership.refresh_from_db()
    return membership


def membership_remove(*, actor: Any, membership: Membership, request: HttpRequest | None = None) -> Membership:
    """Remove a member (the row stays, inactive). Needs company.manage_members; owners only for owners.

    The last owner cannot be removed. Removing oneself is leaving (see membership_leave).
    Side effects: audit membership.removed; event member.removed.
    """
    company = membership.company
    permissions.require(actor, permissions.COMPANY_MANAGE_MEMBERS, company)
    if membership.user_id == getattr(actor, "pk", None):
        return membership_leave(actor=actor, company=company, request=request)
    with transaction.atomic():
        _lock_company(company)
        current = Membership.objects.select_related("user").get(pk=membership.pk)
        if not current.is_active:
            raise InvalidState("This person is no longer a member.")
        if current.role == Role.OWNER:
            permissions.require(actor, permissions.COMPANY_MANAGE_OWNERS, company)
            if _active_owner_count(company) <= 1:
                raise InvalidState("The last owner cannot be removed.")
        _end_membership(current, company=company, actor=actor, reason="removed", request=request)
        permissions.clear_membership_cache(actor, current.user, membership.user)
    membership.refresh_from_db()
    return membership


def membership_leave(*, actor: Any, company: Company, request: HttpRequest | None = None) -> Membership:
    """``actor`` leaves ``company``. The last owner cannot leave.

    Raises NotFound if ``actor`` is not a member. Clears the session's active company if it was this one.
    Side effects: audit membership.left; event member.removed (reason "left").
    """
    _require_person(actor)
    with transaction.atomic():
        _lock_company(company)
        current = Membership.objects.filter(user_id=actor.pk, company=company, is_active=True).first()
        if current is None:
            raise NotFound("No such company.")
        if current.role == Role.OWNER and _active_owner_count(company) <= 1:
            raise InvalidState("The last owner cannot leave; make someone else owner first.")
        _end_membership(current, company=company, actor=actor, reason="left", request=request)
        permissions.clear_membership_cache(actor)
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_ACTIVE_COMPANY) == company.pk:
        session.pop(SESSION_ACTIVE_COMPANY, None)
    return current


def _end_membership(
    membership: Membership, *, company: Company, actor: Any, reason: str, request: HttpRequest | None
) -> None:
    """Deactivate an active ``membership`` of ``company``; audit it ("membership.removed", or
    "membership.left" when ``reason`` is "left") and emit member.removed after commit.
    Call inside the transaction that holds the company lock."""
    Membership.objects.filter(pk=membership.pk).update(is_active=False, updated_at=timezone.now())
    membership.is_active = False
    audit.record(
        action="membership.left" if reason == "left" else "membership.removed",
        actor=actor,
        company=company,
        obj=membership,
        before=_membership_data(membership) | {"is_active": True},
        after=_membership_data(membership),
        request=request,
    )
    events.emit_on_commit(
        "member.removed",
        company_id=company.pk,
        user_id=membership.user_id,
        member_id=membership.pk,
        actor_id=actor.pk,
        reason=reason,
    )


# --- invitations -----------------------------------------------------------------------------------
def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def invitation_create(
    *, actor: Any, company: Company, email: str, role: str, request: HttpRequest | None = None
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``company`` as ``role``; returns the invitation and its token (shown nowhere else).

    Needs company.manage_members (and company.manage_owners to invite an owner). Refused for an
    address that is already an active member. An open invitation for the same address is revoked
    (the newest one wins). The email with the link leaves after commit.
    Side effects: audit invitation.created; event member.invited; the invitation email.
    """
    permissions.require(actor, permissions.COMPANY_MANAGE_MEMBERS, company)
    try:
        role = Role(role)
    except ValueError as exc:
        raise ValidationFailed("Choose a role.", errors={"role": ["Choose a valid role."]}) from exc
    if role == Role.OWNER:
        permissions.require(actor, permissions.COMPANY_MANAGE_OWNERS, company)
    email = (email or "").strip().lower()
    try:
        Invitation._meta.get_field("email").clean(email, None)
    except DjangoValidationError as exc:
        raise ValidationFailed("Enter a valid email address.", errors={"email": exc.messages}) from exc
    with transaction.atomic():
        _lock_company(company)
        if Membership.objects.active().filter(company=company, user__email__iexact=email).exists():
            raise ValidationFailed(
                "This person is already a member.", errors={"email": ["This person is already a member."]}
            )
        now = timezone.now()
        for previous in Invitation.objects.open().filter(company=company, email__iexact=email):
            Invitation.objects.filter(pk=previous.pk).update(revoked_at=now)
            audit.record(
                action="invitation.revoked",
                actor=actor,
                company=company,
                obj=previous,
                before={"status": "pending"},
                after={"status": "revoked", "reason": "replaced"},
                request=request,
            )
        token, token_hash = _new_token()
        invitation = Invitation.objects.create(
            company=company,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by=actor,
            expires_at=now + INVITATION_LIFETIME,
        )
        audit.record(
            action="invitation.created",
            actor=actor,
            company=company,
            obj=invitation,
            after={"email": email, "role": role, "expires_at": invitation.expires_at.isoformat()},
            request=request,
        )
        events.emit_on_commit(
            "member.invited",
            company_id=company.pk,
            invitation_id=invitation.pk,
            email=email,
            role=str(role),
            actor_id=actor.pk,
        )
        emails.send_invitation_on_commit(invitation=invitation, token=token)
    return invitation, token


def _require_invitation_manager(actor: Any, invitation: Invitation) -> None:
    """Managing an invitation needs company.manage_members, and company.manage_owners for an owner's."""
    permissions.require(actor, permissions.COMPANY_MANAGE_MEMBERS, invitation.company)
    if invitation.role == Role.OWNER:
        permissions.require(actor, permissions.COMPANY_MANAGE_OWNERS, invitation.company)


def invitation_resend(
    *, actor: Any, invitation: Invitation, request: HttpRequest | None = None
) -> tuple[Invitation, str]:
    """Send a still-open invitation again with a new token and a new expiry (the old link stops working).

    Side effects: audit invitation.resent; the invitation email.
    """
    company = invitation.company
    _require_invitation_manager(actor, invitation)
    with transaction.atomic():
        token, token_hash = _new_token()
        expires_at = timezone.now() + INVITATION_LIFETIME
        changed = (
            Invitation.objects.open().filter(pk=invitation.pk).update(token_hash=token_hash, expires_at=expires_at)
        )
        if not changed:
            raise InvalidState("Only an invitation that was neither accepted nor revoked can be sent again.")
        invitation.refresh_from_db()
        audit.record(
            action="invitation.resent",
            actor=actor,
            company=company,
            obj=invitation,
            after={"email": invitation.email, "expires_at": expires_at.isoformat()},
            request=request,
        )
        emails.send_invitation_on_commit(invitation=invitation, token=token)
    return invitation, token


def invitation_revoke(*, actor: Any, invitation: Invitation, request: HttpRequest | None = None) -> Invitation:
    """Withdraw an open invitation; its link stops working. Needs company.manage_members.

    Side effects: audit invitation.revoked; event member.invitation_revoked.
    """
    company = invitation.company
    _require_invitation_manager(actor, invitation)
    with transaction.atomic():
        changed = Invitation.objects.open().filter(pk=invitation.pk).update(revoked_at=timezone.now())
        if not changed:
            raise InvalidState("This invitation was already accepted or revoked.")
        audit.record(
            action="invitation.revoked",
            actor=actor,
            company=company,
            obj=invitation,
            before={"status": "pending"},
            after={"status": "revoked"},
            request=request,
        )
        events.emit_on_commit(
            "member.invitation_revoked", company_id=company.pk, invitation_id=invitation.pk, actor_id=actor.pk
        )
    invitation.refresh_from_db()
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a token belongs to (whatever its state), or None."""
    if not token or len(token) > 200:
        return None
    return Invitation.objects.select_related("company", "invited_by").filter(token_hash=hash_token(token)).first()


def _pending_invitation(token: str) -> Invitation:
    """The invitation of ``token`` if it can still be accepted; raises NotFound or InvalidState."""
    invitation = invitation_by_token(token)
    if invitation is None:
        raise NotFound("This invitation link is not valid.")
    status = invitation.status
    if status != "pending":
        raise InvalidState(f"This invitation can no longer be used: it was {status.label.lower()}.")
    return invitation


def _claim(token: str, *, user: Any) -> Invitation:
    """Mark the invitation accepted by ``user`` exactly once; raises NotFound or InvalidState."""
    invitation = _pending_invitation(token)
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(
            f"This invitation was sent to {invitation.email}; sign in with that address to accept it."
        )
    now = timezone.now()
    claimed = (
        Invitation.objects.open().filter(pk=invitation.pk, expires_at__gt=now).update(accepted_at=now, accepted_by=user)
    )
    if not claimed:  # someone used it a moment ago
        raise InvalidState("This invitation can no longer be used: it was already accepted.")
    invitation.accepted_at, invitation.accepted_by = now, user
    return invitation


def _join(invitation: Invitation, *, user: Any, request: HttpRequest | None) -> Membership:
    company = invitation.company
    _lock_company(company)
    membership = Membership.objects.filter(user=user, company=company).first()
    if membership is not None and membership.is_active:
        # Already a member: the invitation is used up, the existing role stays (an invitation never demotes).
        joined = False
    elif membership is not None:
        Membership.objects.filter(pk=membership.pk).update(
            is_active=True, role=invitation.role, updated_at=timezone.now()
        )
        membership.refresh_from_db()
        joined = True
    else:
        membership = Membership.objects.create(user=user, company=company, role=invitation.role)
        joined = True
    permissions.clear_membership_cache(user)
    audit.record(
        action="invitation.accepted",
        actor=user,
        company=company,
        obj=invitation,
        before={"status": "pending"},
        after={"status": "accepted", "user_id": user.pk},
        request=request,
    )
    if joined:
        audit.record(
            action="membership.created",
            actor=user,
            company=company,
            obj=membership,
            after=_membership_data(membership) | {"invitation_id": invitation.pk},
            request=request,
        )
        events.emit_on_commit(
            "member.joined",
            company_id=company.pk,
            user_id=user.pk,
            member_id=membership.pk,
            role=membership.role,
            invitation_id=invitation.pk,
        )
    return membership


def invitation_accept(*, token: str, actor: Any, request: HttpRequest | None = None) -> Membership:
    """A signed-in person accepts an invitation sent to their address; returns the membership.

    Single use and only before it expires. If they are already a member, their role stays as it is.
    Side effects: audit invitation.accepted and membership.created; event member.joined.
    """
    _require_person(actor)
    with transaction.atomic():
        invitation = _claim(token, user=actor)
        return _join(invitation, user=actor, request=request)


def invitation_accept_new_account(
    *, token: str, password: str, full_name: str = "", request: HttpRequest | None = None
) -> Membership:
    """Accept an invitation by creating the account of the invited address; returns the membership.

    The address counts as verified: the token reached it. Refused (InvalidState) when an account
    with that address exists — its owner signs in and accepts instead.
    Side effects: the user and its verified email address; as invitation_accept.
    """
    from accounts.services import user_create

    with transaction.atomic():
        invitation = _pending_invitation(token)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvalidState("An account with this address exists already; sign in to accept the invitation.")
        user = User(email=invitation.email, full_name=(full_name or "").strip())
        try:
            validate_password(password, user=user)
        except DjangoValidationError as exc:
            raise ValidationFailed("Choose another password.", errors={"password": exc.messages}) from exc
        user = user_create(email=invitation.email, password=password, full_name=user.full_name, email_verified=True)
        invitation = _claim(token, user=user)
        audit.record(
            action="user.created",
            actor=user,
            company=invitation.company,
            obj=user,
            after={"email": user.email, "via": "invitation"},
            request=request,
        )
        return _join(invitation, user=user, request=request)
