from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import api as accounts_api
from audit import api as audit_api
from governance import api as governance_api
from governance import views as governance_views

api_v1 = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("auth/token/revoke/", accounts_api.TokenRevokeView.as_view(), name="token-revoke"),
    path("me/", governance_api.MeView.as_view(), name="me"),
    path("departments/", governance_api.DepartmentListView.as_view(), name="department-list"),
    path("departments/<slug:slug>/", governance_api.DepartmentDetailView.as_view(), name="department-detail"),
    path("channels/", governance_api.ChannelListView.as_view(), name="channel-list"),
    path("channels/<slug:slug>/", governance_api.ChannelDetailView.as_view(), name="channel-detail"),
    path("audit-events/", audit_api.AuditEventListView.as_view(), name="audit-event-list"),
    path("audit-events/verify/", audit_api.AuditVerifyView.as_view(), name="audit-verify"),
]

urlpatterns = [
    path("", governance_views.home, name="home"),
    path("dashboard/", governance_views.dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
