"""Accounts endpoints under /api/v1: sign-in (auth/...) and the company's API keys (api-keys...)."""

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", views.MeView.as_view(), name="auth-me"),
    path("api-keys", views.ApiKeyListCreateView.as_view(), name="api-key-list"),
    path("api-keys/<int:pk>", views.ApiKeyDetailView.as_view(), name="api-key-detail"),
    path("api-keys/<int:pk>/revoke", views.ApiKeyRevokeView.as_view(), name="api-key-revoke"),
]
