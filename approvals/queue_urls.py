"""The review queue and notifications in the browser (mounted at the site root)."""

from django.urls import path

from . import notification_views, queue_views

urlpatterns = [
    path("queue/", queue_views.review_queue, name="review-queue"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notifications-read-all"),
    path("notifications/<int:notification_id>/read/", notification_views.notification_read, name="notification-read"),
]
