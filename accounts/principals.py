"""What ``request.user`` is when a request authenticates with an API key.

An API key acts for one company within its scopes; it is not a person. It never has a primary key
of its own (``pk``/``id`` are None) so that code keyed on users cannot confuse it with one, and it
has no Django permissions. ``request.auth`` is the ApiKey row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import ApiKey


class ApiKeyPrincipal:
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.company_id: int = api_key.company_id
        self.scopes: frozenset[str] = frozenset(api_key.scopes or ())

    @property
    def email(self) -> str:
        return f"api-key:{self.api_key.prefix}"

    def __str__(self) -> str:
        return self.email

    def __repr__(self) -> str:
        return f"<ApiKeyPrincipal {self.email} company={self.company_id}>"

    def get_username(self) -> str:
        return self.email

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_scopes(self, scopes: tuple[str, ...] | list[str] | frozenset[str]) -> bool:
        return set(scopes) <= self.scopes

    # Django's permission API: an API key has no model permissions (the admin is for staff people).
    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perm_list: object, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False
