"""The audit log in the browser (mounted at /audit/): compliance officers only."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_log, name="log"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.jsonl", views.export_jsonl, name="export-jsonl"),
    path("verify/", views.verify, name="verify"),
]
