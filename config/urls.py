from csp.decorators import csp_update
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from approvals import api as approvals_api
from audit import api as audit_api
from governance import api as governance_api
from governance import views as governance_views
from publishing import api as publishing_api


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages that name none (API responses, the admin).
    The address is resolved per request: with the manifest storage of production it only
    exists once collectstatic has run."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


api_v1 = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("auth/token/revoke/", accounts_api.TokenRevokeView.as_view(), name="token-revoke"),
    path("me/", governance_api.MeView.as_view(), name="me"),
    path("departments/", governance_api.DepartmentListView.as_view(), name="department-list"),
    path("departments/<slug:slug>/", governance_api.DepartmentDetailView.as_view(), name="department-detail"),
    path("channels/", governance_api.ChannelListView.as_view(), name="channel-list"),
    path("channels/<slug:slug>/", governance_api.ChannelDetailView.as_view(), name="channel-detail"),
    path("policy-check/", governance_api.PolicyCheckView.as_view(), name="policy-check"),
    path("consents/", governance_api.ConsentListView.as_view(), name="consent-list"),
    path("consents/<int:consent_id>/", governance_api.ConsentDetailView.as_view(), name="consent-detail"),
    path("consents/<int:consent_id>/revoke/", governance_api.ConsentRevokeView.as_view(), name="consent-revoke"),
    path("retraction-requests/", approvals_api.RetractionRequestListView.as_view(), name="retraction-request-list"),
    path("posts/", approvals_api.PostListCreateView.as_view(), name="post-list"),
    path("posts/<int:post_id>/", approvals_api.PostDetailView.as_view(), name="post-detail"),
    path("posts/<int:post_id>/submit/", approvals_api.SubmitView.as_view(), name="post-submit"),
    path("posts/<int:post_id>/approve/", approvals_api.ApproveView.as_view(), name="post-approve"),
    path(
        "posts/<int:post_id>/request-changes/", approvals_api.RequestChangesView.as_view(), name="post-request-changes"
    ),
    path("posts/<int:post_id>/reject/", approvals_api.RejectView.as_view(), name="post-reject"),
    path("posts/<int:post_id>/withdraw/", approvals_api.WithdrawView.as_view(), name="post-withdraw"),
    path("posts/<int:post_id>/schedule/", approvals_api.ScheduleView.as_view(), name="post-schedule"),
    path("posts/<int:post_id>/publish/", approvals_api.PublishView.as_view(), name="post-publish"),
    path("posts/<int:post_id>/retry/", approvals_api.RetryView.as_view(), name="post-retry"),
    path("posts/<int:post_id>/mark-published/", approvals_api.MarkPublishedView.as_view(), name="post-mark-published"),
    path("posts/<int:post_id>/hold/", approvals_api.HoldView.as_view(), name="post-hold"),
    path("posts/<int:post_id>/release/", approvals_api.ReleaseView.as_view(), name="post-release"),
    path("posts/<int:post_id>/retract/", approvals_api.RetractView.as_view(), name="post-retract"),
    path("posts/<int:post_id>/break-glass/", approvals_api.BreakGlassView.as_view(), name="post-break-glass"),
    path(
        "retrospective-reviews/", approvals_api.RetrospectiveReviewListView.as_view(), name="retrospective-review-list"
    ),
    path(
        "retrospective-reviews/<int:review_id>/complete/",
        approvals_api.RetrospectiveReviewCompleteView.as_view(),
        name="retrospective-review-complete",
    ),
    path("posts/<int:post_id>/comments/", approvals_api.PostCommentsView.as_view(), name="post-comments"),
    path("review-queue/", approvals_api.ReviewQueueView.as_view(), name="review-queue"),
    path("posts/<int:post_id>/deliveries/", publishing_api.PostDeliveriesView.as_view(), name="post-deliveries"),
    path("channels/<slug:slug>/connector/", publishing_api.ChannelConnectorView.as_view(), name="channel-connector"),
    path("channels/<slug:slug>/crisis/", governance_api.ChannelCrisisView.as_view(), name="channel-crisis"),
    path("crises/<int:crisis_id>/end/", governance_api.CrisisEndView.as_view(), name="crisis-end"),
    path("crises/", governance_api.CrisisListView.as_view(), name="crisis-list"),
    path("crises/<int:crisis_id>/", governance_api.CrisisDetailView.as_view(), name="crisis-detail"),
    path("crises/<int:crisis_id>/timeline/", governance_api.CrisisTimelineView.as_view(), name="crisis-timeline"),
    path("crises/<int:crisis_id>/release-held/", approvals_api.ReleaseHeldView.as_view(), name="crisis-release-held"),
    path(
        "channels/<slug:slug>/holding-statements/",
        approvals_api.HoldingStatementListView.as_view(),
        name="holding-statement-list",
    ),
    path(
        "holding-statements/<int:statement_id>/",
        approvals_api.HoldingStatementDetailView.as_view(),
        name="holding-statement-detail",
    ),
    path(
        "holding-statements/<int:statement_id>/issue/",
        approvals_api.HoldingStatementIssueView.as_view(),
        name="holding-statement-issue",
    ),
    path("audit-events/", audit_api.AuditEventListView.as_view(), name="audit-event-list"),
    path("audit-events/verify/", audit_api.AuditVerifyView.as_view(), name="audit-verify"),
]

urlpatterns = [
    path("", governance_views.home, name="home"),
    path("favicon.ico", FaviconView.as_view()),
    path("dashboard/", governance_views.dashboard, name="dashboard"),
    path("calendar/", include("approvals.calendar_urls")),
    path("posts/", include("approvals.post_urls")),
    path("channels/", include("governance.channel_urls")),
    path("crisis/", include("approvals.crisis_urls")),
    path("audit/", include("audit.urls")),
    path("", include("governance.urls")),
    path("", include("approvals.queue_urls")),
    path("accounts/", include("accounts.urls")),
    path("feeds/", include("publishing.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI (third-party) sets inline styles as it renders: allowed on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
]

# Unrouted addresses under /api/ answer JSON like every other API error.
handler404 = "config.not_found.not_found"
