"""Company pages, mounted under /companies/."""

from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("", views.company_list, name="list"),
    path("new/", views.company_create, name="create"),
    path("switch/", views.company_switch, name="switch"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("<slug:slug>/", views.company_profile, name="profile"),
    path("<slug:slug>/settings/", views.company_settings, name="settings"),
    path("<slug:slug>/leave/", views.company_leave, name="leave"),
    path("<slug:slug>/members/", views.member_list, name="members"),
    path("<slug:slug>/members/<int:pk>/role/", views.member_role, name="member-role"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("<slug:slug>/invitations/", views.invitation_list, name="invitations"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("<slug:slug>/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
]
