"""The approvals app's API routes, mounted under /api/v1/ by config/urls.py."""

from . import consent, crises, posts, review, statements

urlpatterns = [
    *posts.urlpatterns,
    *review.urlpatterns,
    *crises.urlpatterns,
    *statements.urlpatterns,
    *consent.urlpatterns,
]
