"""Quote pages, mounted under /quotes/ (the API lives in quotes/api/urls.py)."""

from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("tender/<int:tender_pk>/", views.quote_for_tender, name="for-tender"),
    path("tender/<int:tender_pk>/opening/", views.opening, name="opening"),
    path("tender/<int:tender_pk>/comparison/", views.comparison, name="comparison"),
    path("tender/<int:tender_pk>/scores/", views.score, name="score"),
    path("tender/<int:tender_pk>/award/", views.award, name="award"),
    path("<int:pk>/", views.quote_edit, name="edit"),
    path("<int:pk>/totals/", views.quote_totals, name="totals"),
    path("<int:pk>/submit/", views.quote_submit, name="submit"),
    path("<int:pk>/withdraw/", views.quote_withdraw, name="withdraw"),
    path("<int:pk>/confirm/", views.quote_confirm, name="confirm"),
    path("<int:pk>/revisions/<int:number>/", views.revision_receipt, name="receipt"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/remove/", views.attachment_remove, name="attachment-remove"),
    path("<int:pk>/shortlist/", views.quote_shortlist, name="shortlist"),
    path("<int:pk>/reject/", views.quote_reject, name="reject"),
]
