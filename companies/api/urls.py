"""Companies API routes, included under /api/v1/ by cotai.api_router (names: api:company-list ...)."""

from rest_framework.routers import SimpleRouter

from companies.api import views

router = SimpleRouter(trailing_slash=False)
router.register("companies", views.CompanyViewSet, basename="company")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("categories", views.CategoryViewSet, basename="category")

urlpatterns = router.urls
