"""Governance pages in the browser (the API lives in config/urls.py under /api/v1/)."""

from django.urls import path

from . import directory_views, policy_views

app_name = "governance"

urlpatterns = [
    path("policies/", policy_views.policy_list, name="policy-list"),
    path("policies/directory/", directory_views.directory_page, name="directory"),
    path("policies/directory/add/", directory_views.directory_add, name="directory-add"),
    path("policies/directory/<int:entry_id>/remove/", directory_views.directory_remove, name="directory-remove"),
    path("policies/new/", policy_views.policy_create, name="policy-new"),
    path("policies/rule-fieldset/", policy_views.rule_fieldset, name="policy-rule-fieldset"),
    path("policies/<int:policy_id>/", policy_views.policy_edit, name="policy-edit"),
    path("policies/<int:policy_id>/history/", policy_views.policy_history, name="policy-history"),
]
