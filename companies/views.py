"""Company pages: my companies, profile and settings, members and invitations, the switcher and the
invitation link. Thin: selectors read, services write, application errors become 404/403 pages or
messages. Another company's pages answer 404, so slugs and ids reveal nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from companies import permissions, selectors, services
from companies.choices import Role
from companies.filters import CompanyFilter, InvitationFilter, MembershipFilter
from companies.forms import (
    AcceptWithNewAccountForm,
    CompanyCreateForm,
    CompanySettingsForm,
    InvitationForm,
    MemberRoleForm,
    SwitchCompanyForm,
)
from companies.models import Company
from cotai.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from cotai.pages import add_service_errors, maps_application_errors

PAGE_SIZE = 50


def _safe_next(request: HttpRequest, value: str | None, fallback: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return fallback


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _company_context(request: HttpRequest, company: Company) -> dict[str, Any]:
    return {"company": company, "actions": permissions.actions_for(request.user, company), "nav": ""}


def _members_url(company: Company) -> str:
    return reverse("companies:members", kwargs={"slug": company.slug})


def _invitations_url(company: Company) -> str:
    return reverse("companies:invitations", kwargs={"slug": company.slug})


# --- my companies, creating and switching ----------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def company_list(request: HttpRequest) -> HttpResponse:
    filterset = CompanyFilter(request.GET, queryset=selectors.company_list_for(actor=request.user))
    page = _page(request, filterset.qs.order_by("legal_name", "pk"))
    context = {"filter": filterset, "page": page, "companies": page.object_list}
    if request.htmx:
        return render(request, "companies/partials/company_table.html", context)
    return render(request, "companies/company_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    form = CompanyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                categories=form.cleaned_data["categories"],
                request=request,
                **form.service_data(),
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            services.company_switch(actor=request.user, company=company, request=request)
            messages.success(request, f"{company.display_name} is registered and you are its owner.")
            return redirect("companies:profile", slug=company.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "companies/company_create.html", {"form": form}, status=status)


@login_required
@require_POST
@maps_application_errors
def company_switch(request: HttpRequest) -> HttpResponse:
    form = SwitchCompanyForm(request.POST)
    if not form.is_valid():
        raise NotFound("No such company.")
    company = selectors.company_get_for(actor=request.user, pk=form.cleaned_data["company"])
    services.company_switch(actor=request.user, company=company, request=request)
    messages.success(request, f"You are now working as {company.display_name}.")
    return HttpResponseRedirect(_safe_next(request, form.cleaned_data.get("next"), reverse("home")))


# --- one company -------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
@maps_application_errors
def company_profile(request: HttpRequest, slug: str) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    context = _company_context(request, company) | {
        "membership": permissions.membership_for(request.user, company),
        "member_count": company.memberships.active().count(),
        "nav": "profile",
    }
    return render(request, "companies/company_profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def company_settings(request: HttpRequest, slug: str) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    permissions.require(request.user, permissions.COMPANY_EDIT, company)
    form = CompanySettingsForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            services.company_update(
                actor=request.user,
                company=company,
                data=data,
                categories=form.cleaned_data["categories"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The company profile is saved.")
            return redirect("companies:settings", slug=company.slug)
    context = _company_context(request, company) | {"form": form, "nav": "settings"}
    return render(request, "companies/company_settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
@maps_application_errors
def company_leave(request: HttpRequest, slug: str) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    try:
        services.membership_leave(actor=request.user, company=company, request=request)
    except InvalidState as exc:
        messages.error(request, exc.message)
        return redirect("companies:profile", slug=company.slug)
    messages.success(request, f"You left {company.display_name}.")
    return redirect("companies:list")


# --- members -------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
@maps_application_errors
def member_list(request: HttpRequest, slug: str) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    filterset = MembershipFilter(
        request.GET, queryset=selectors.membership_list_for(actor=request.user, company=company)
    )
    page = _page(request, filterset.qs)
    roles = permissions.assignable_roles(request.user, company)
    context = _company_context(request, company) | {
        "filter": filterset,
        "page": page,
        "members": page.object_list,
        "assignable_roles": roles,
        "can_manage_owners": permissions.can(request.user, permissions.COMPANY_MANAGE_OWNERS, company),
        "invite_form": InvitationForm(roles=roles) if roles else None,
        "nav": "members",
    }
    if request.htmx:
        return render(request, "companies/partials/member_table.html", context)
    return render(request, "companies/member_list.html", context)


@login_required
@require_POST
@maps_application_errors
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    membership = selectors.membership_get_for(actor=request.user, company=company, pk=pk)
    permissions.require(request.user, permissions.COMPANY_MANAGE_MEMBERS, company)
    form = MemberRoleForm(request.POST, roles=list(Role))
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect(_members_url(company))
    try:
        services.membership_change_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"], request=request
        )
    except InvalidState as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.email} is now {membership.get_role_display().lower()}.")
    return redirect(_members_url(company))


@login_required
@require_POST
@maps_application_errors
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    membership = selectors.membership_get_for(actor=request.user, company=company, pk=pk)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(actor=request.user, membership=membership, request=request)
    except InvalidState as exc:
        messages.error(request, exc.message)
        return redirect(_members_url(company))
    if leaving:
        messages.success(request, f"You left {company.display_name}.")
        return redirect("companies:list")
    messages.success(request, f"{membership.user.email} is no longer a member.")
    return redirect(_members_url(company))


# --- invitations ------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
@maps_application_errors
def invitation_list(request: HttpRequest, slug: str) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    invitations = selectors.invitation_list_for(actor=request.user, company=company)
    roles = permissions.assignable_roles(request.user, company)
    form = InvitationForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user,
                company=company,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect(_invitations_url(company))
    filterset = InvitationFilter(request.GET, queryset=invitations)
    page = _page(request, filterset.qs)
    context = _company_context(request, company) | {
        "filter": filterset,
        "page": page,
        "invitations": page.object_list,
        "form": form,
        "nav": "invitations",
    }
    if request.htmx and request.method == "GET":
        return render(request, "companies/partials/invitation_table.html", context)
    return render(request, "companies/invitation_list.html", context, status=400 if form.errors else 200)


def _invitation_action(request: HttpRequest, slug: str, pk: int, action: Callable[..., Any], done: str) -> HttpResponse:
    company = selectors.company_get_for(actor=request.user, slug=slug)
    invitation = selectors.invitation_get_for(actor=request.user, company=company, pk=pk)
    try:
        action(actor=request.user, invitation=invitation, request=request)
    except InvalidState as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(email=invitation.email))
    return redirect(_invitations_url(company))


@login_required
@require_POST
@maps_application_errors
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_action(request, slug, pk, services.invitation_revoke, "The invitation of {email} is revoked.")


@login_required
@require_POST
@maps_application_errors
def invitation_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_action(request, slug, pk, services.invitation_resend, "The invitation is sent to {email} again.")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the invitation email. Open to anyone holding the token:

    - signed in as the invited address: a button to join;
    - signed in as someone else: told to sign in with the invited address (403);
    - anonymous with an existing account for the address: asked to sign in first;
    - anonymous without one: a form that creates the account and joins in one step.
    """
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "companies/invitation_invalid.html", {"reason": "unknown"}, status=404)
    if not invitation.is_pending:
        return render(
            request,
            "companies/invitation_invalid.html",
            {"reason": invitation.status, "invitation": invitation},
            status=410,
        )
    context: dict[str, Any] = {"invitation": invitation, "company": invitation.company, "token": token}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            return render(request, "companies/invitation_accept.html", context | {"mismatch": True}, status=403)
        if request.method == "POST":
            return _accept(request, lambda: services.invitation_accept(token=token, actor=user, request=request))
        return render(request, "companies/invitation_accept.html", context)

    if services.User.objects.filter(email__iexact=invitation.email).exists():
        login_url = f"{reverse('account_login')}?next={request.path}"
        return render(request, "companies/invitation_accept.html", context | {"login_url": login_url})

    form = AcceptWithNewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def accept() -> Any:
            membership = services.invitation_accept_new_account(
                token=token,
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
                request=request,
            )
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            return membership

        try:
            return _accept(request, accept)
        except ValidationFailed as exc:
            for message in exc.errors.get("password", [exc.message]):
                form.add_error("password1", message)
    return render(
        request, "companies/invitation_accept.html", context | {"signup_form": form}, status=400 if form.errors else 200
    )


def _accept(request: HttpRequest, accept: Callable[[], Any]) -> HttpResponse:
    try:
        membership = accept()
    except (InvalidState, NotFound, PermissionDenied) as exc:
        return render(
            request, "companies/invitation_invalid.html", {"reason": "used", "message": exc.message}, status=410
        )
    services.company_switch(actor=membership.user, company=membership.company, request=request)
    messages.success(request, f"Welcome to {membership.company.display_name}.")
    return redirect("companies:profile", slug=membership.company.slug)
