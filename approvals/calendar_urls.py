"""The publishing calendar, mounted at /calendar/ by config/urls.py."""

from django.urls import path

from . import calendar_views

app_name = "calendar"

urlpatterns = [
    path("", calendar_views.month, name="month"),
    path("week/", calendar_views.week, name="week"),
    path("<str:token>.ics", calendar_views.feed, name="feed"),
]
