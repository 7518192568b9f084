"""The post pages, mounted at /posts/ by config/urls.py (e-mail notifications link to /posts/<id>/)."""

from django.urls import path

from . import post_views

app_name = "posts"

urlpatterns = [
    path("new/", post_views.compose, name="new"),
    path("check/", post_views.check, name="check"),
    path("co-authors/", post_views.co_author_suggestions, name="co-authors"),
    path("<int:post_id>/", post_views.detail, name="detail"),
    path("<int:post_id>/edit/", post_views.edit, name="edit"),
    path("<int:post_id>/comments/", post_views.comment, name="comment"),
    path("<int:post_id>/<slug:action>/", post_views.act, name="act"),
]
