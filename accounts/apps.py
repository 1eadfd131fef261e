"""Users (email login), sign-in pages, JWT endpoints, API keys and user sessions."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import receivers

        receivers.connect()
        # Registers the OpenAPI security schemes of the JWT and API-key authentication classes.
        from accounts import authentication  # noqa: F401
