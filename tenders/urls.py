"""Tender pages, mounted under /tenders/ (the API lives in tenders/api/urls.py)."""

from django.urls import path

from tenders import views

app_name = "tenders"

urlpatterns = [
    path("", views.tender_list, name="list"),
    path("open/", views.public_list, name="public"),
    path("new/", views.tender_create, name="create"),
    path("<int:pk>/", views.tender_detail, name="detail"),
    path("<int:pk>/edit/", views.tender_edit, name="edit"),
    path("<int:pk>/items/", views.item_add, name="item-add"),
    path("<int:pk>/items/<int:item_pk>/", views.item_update, name="item-update"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item-remove"),
    path("<int:pk>/items/<int:item_pk>/move/", views.item_move, name="item-move"),
    path("<int:pk>/criteria/", views.tender_criteria, name="criteria"),
    path("<int:pk>/openers/", views.tender_openers, name="openers"),
    path("<int:pk>/publish/", views.tender_publish, name="publish"),
    path("<int:pk>/amend/", views.tender_amend, name="amend"),
    path("<int:pk>/cancel/", views.tender_cancel, name="cancel"),
    path("<int:pk>/invitations/", views.invitation_list, name="invitations"),
    path("<int:pk>/invitations/<int:invitation_pk>/respond/", views.invitation_respond, name="invitation-respond"),
    path("<int:pk>/questions/", views.clarification_inbox, name="clarifications"),
    path("<int:pk>/questions/ask/", views.clarification_ask, name="clarification-ask"),
    path("<int:pk>/questions/<int:clarification_pk>/answer/", views.clarification_answer, name="clarification-answer"),
    path("<int:pk>/documents/", views.document_upload, name="document-upload"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path("<int:pk>/documents/<int:document_pk>/replace/", views.document_replace, name="document-replace"),
    path(
        "<int:pk>/documents/<int:document_pk>/versions/<int:number>/",
        views.document_version_download,
        name="document-version",
    ),
    path("<int:pk>/audit/", views.tender_audit, name="audit"),
]
