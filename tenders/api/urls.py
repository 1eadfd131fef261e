"""Tenders API routes, included under /api/v1/ by cotai.api_router (names: api:tender-list ...).

Nested resources (items, documents, invitations, clarifications, amendments) live under
/tenders/<tender_pk>/...; their names are prefixed with "tender-" so they never clash with other
apps' routes (companies has its own "invitation-*").
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenders.api import views

router = SimpleRouter(trailing_slash=False)
router.register("tenders", views.TenderViewSet, basename="tender")

_LIST = {"get": "list", "post": "create"}


def _nested(prefix: str, viewset, basename: str, *, detail: dict | None = None, actions=(), list_actions=()):
    """Routes of a resource nested under a tender: list/create, optional detail, and @actions."""
    base = f"tenders/<int:tender_pk>/{prefix}"

    def view(methods: dict, *, is_detail: bool, extra: str | None = None):
        # What a router would pass: the basename, detail flag and the @action's own options.
        initkwargs = {"basename": basename, "detail": is_detail}
        if extra:
            initkwargs.update(getattr(viewset, extra).kwargs)
        return viewset.as_view(methods, **initkwargs)

    list_methods = {method: name for method, name in _LIST.items() if hasattr(viewset, name)}
    routes = [path(base, view(list_methods, is_detail=False), name=f"{basename}-list")]
    for name in list_actions:
        routes.append(
            path(f"{base}/{name}", view({"post": name}, is_detail=False, extra=name), name=f"{basename}-{name}")
        )
    if detail:
        routes.append(path(f"{base}/<str:pk>", view(detail, is_detail=True), name=f"{basename}-detail"))
    for method, name in actions:
        routes.append(
            path(f"{base}/<str:pk>/{name}", view({method: name}, is_detail=True, extra=name), name=f"{basename}-{name}")
        )
    return routes


urlpatterns = [
    *router.urls,
    *_nested(
        "items",
        views.TenderItemViewSet,
        "tender-item",
        detail={"get": "retrieve", "patch": "partial_update", "delete": "destroy"},
        list_actions=["reorder"],
    ),
    *_nested("documents", views.TenderDocumentViewSet, "tender-document", actions=[("get", "download")]),
    *_nested(
        "invitations",
        views.TenderInvitationViewSet,
        "tender-invitation",
        actions=[("post", "decline"), ("post", "accept")],
    ),
    *_nested("clarifications", views.ClarificationViewSet, "tender-clarification", actions=[("post", "answer")]),
    *_nested("amendments", views.AmendmentViewSet, "tender-amendment"),
]
