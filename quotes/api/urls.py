"""Quotes API routes, included under /api/v1/ by cotai.api_router (names: api:quote-list ...).

Per quote: /quotes/<pk>/{lines,submit,withdraw,confirm,shortlist,reject,revisions,attachments}.
Per tender (the buyer's view of its quotes): /tenders/<tender_pk>/{quote-count,acknowledgements,
opening,comparison,scores,awards}. Every name starts with "quote-" so none clashes with tenders'.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from quotes.api import views

router = SimpleRouter(trailing_slash=False)
router.register("quotes", views.QuoteViewSet, basename="quote")

_TENDER = "tenders/<str:tender_pk>"

urlpatterns = [
    *router.urls,
    path("quotes/<str:pk>/lines/<str:item_pk>", views.LineView.as_view(), name="quote-line"),
    path("quotes/<str:pk>/revisions/<str:number>", views.RevisionView.as_view(), name="quote-revision"),
    path(
        "quotes/<str:pk>/revisions/<str:number>/verify",
        views.RevisionVerifyView.as_view(),
        name="quote-revision-verify",
    ),
    path("quotes/<str:pk>/attachments", views.AttachmentListView.as_view(), name="quote-attachments"),
    path(
        "quotes/<str:pk>/attachments/<str:attachment_pk>",
        views.AttachmentDetailView.as_view(),
        name="quote-attachment",
    ),
    path(f"{_TENDER}/quote-count", views.QuoteCountView.as_view(), name="quote-count"),
    path(f"{_TENDER}/acknowledgements", views.AcknowledgementsView.as_view(), name="quote-acknowledgements"),
    path(f"{_TENDER}/opening", views.OpeningView.as_view(), name="quote-opening"),
    path(f"{_TENDER}/opening/confirm", views.OpeningConfirmView.as_view(), name="quote-opening-confirm"),
    path(f"{_TENDER}/comparison", views.ComparisonView.as_view(), name="quote-comparison"),
    path(f"{_TENDER}/comparison.csv", views.ComparisonExportView.as_view(), name="quote-comparison-csv"),
    path(f"{_TENDER}/scores", views.ScoresView.as_view(), name="quote-scores"),
    path(f"{_TENDER}/awards", views.AwardsView.as_view(), name="quote-awards"),
]
