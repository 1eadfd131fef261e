"""Companies (tenants), memberships and roles, invitations and supplier profiles."""

from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "companies"
    verbose_name = "Companies"
