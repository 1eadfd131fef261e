"""Pages of the signed-in person, under /me/ (allauth's own pages stay under /accounts/)."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile", views.profile, name="profile"),
    path("security", views.security, name="security"),
    path("security/sessions/<int:pk>/end", views.session_end, name="session_end"),
    path("security/api-sign-ins/<uuid:family_id>/end", views.token_family_revoke, name="token_family_revoke"),
    path("api-keys", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke", views.api_key_revoke, name="api_key_revoke"),
]
