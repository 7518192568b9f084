from csp.decorators import csp_update
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts_api
from approvals import urls as approvals_urls
from approvals.api import urls as approvals_api_urls
from approvals.views import evidence as approvals_evidence
from audit import api as audit_api
from audit import urls as audit_urls
from governance import api as governance_api
from portal import views as portal_views
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
    path("directory/", governance_api.DirectoryListView.as_view(), name="directory-list"),
    path("directory/<int:entry_id>/", governance_api.DirectoryEntryView.as_view(), name="directory-entry"),
    *approvals_api_urls.urlpatterns,
    path("posts/<int:post_id>/deliveries/", publishing_api.PostDeliveriesView.as_view(), name="post-deliveries"),
    path("channels/<slug:slug>/connector/", publishing_api.ChannelConnectorView.as_view(), name="channel-connector"),
    path("audit-events/", audit_api.AuditEventListView.as_view(), name="audit-event-list"),
    path("audit-events/verify/", audit_api.AuditVerifyView.as_view(), name="audit-verify"),
]

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("favicon.ico", FaviconView.as_view()),
    path("dashboard/", portal_views.dashboard, name="dashboard"),
    path("calendar/", include(approvals_urls.calendar_urls)),
    path("posts/", include(approvals_urls.posts_urls)),
    path("channels/", include("governance.channel_urls")),
    path("crisis/", include(approvals_urls.crisis_urls)),
    # The audit log, and what it proves about a post (approvals' page, in the log's namespace).
    path(
        "audit/",
        include(
            (
                [
                    *audit_urls.urlpatterns,
                    path("posts/<int:post_id>/", approvals_evidence.post_evidence, name="post-evidence"),
                ],
                "audit",
            )
        ),
    ),
    path("", include("governance.urls")),
    path("", include(approvals_urls.queue_urls)),
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
handler400 = "config.not_found.bad_request"
