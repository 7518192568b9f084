"""The crisis console (mounted at /crisis/)."""

from django.urls import path

from . import crisis_views, statement_views

app_name = "crisis"

urlpatterns = [
    path("", crisis_views.console, name="console"),
    path("start/", crisis_views.crisis_start, name="start"),
    path("<int:crisis_id>/", crisis_views.crisis_detail, name="detail"),
    path("<int:crisis_id>/end/", crisis_views.crisis_end, name="end"),
    path("<int:crisis_id>/release-all/", crisis_views.crisis_release_all, name="release-all"),
    path("posts/<int:post_id>/release/", crisis_views.post_release, name="post-release"),
    path("statements/new/", statement_views.statement_new, name="statement-new"),
    path("statements/check/", statement_views.statement_check, name="statement-check"),
    path("statements/<int:statement_id>/edit/", statement_views.statement_edit, name="statement-edit"),
    path("statements/<int:statement_id>/issue/", crisis_views.statement_issue, name="statement-issue"),
]
