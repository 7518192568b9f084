"""The Celery application. Tasks live in the apps (`<app>/tasks.py`) and are discovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clearpost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
