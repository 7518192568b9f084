"""The approvals app's pages, mounted by config/urls.py: `posts` at /posts/ (e-mail
notifications link to /posts/<id>/), `crisis` at /crisis/, `calendar` at /calendar/, and
`queue` (the review queue and notifications) at the site's root."""

from django.urls import path

from .views import calendar, crisis, notifications, posts, queue, statements

posts_urls = (
    [
        path("new/", posts.compose, name="new"),
        path("check/", posts.check, name="check"),
        path("co-authors/", posts.co_author_suggestions, name="co-authors"),
        path("<int:post_id>/", posts.detail, name="detail"),
        path("<int:post_id>/edit/", posts.edit, name="edit"),
        path("<int:post_id>/comments/", posts.comment, name="comment"),
        path("<int:post_id>/findings/dismiss/", posts.dismiss_finding, name="dismiss-finding"),
        path("<int:post_id>/<slug:action>/", posts.act, name="act"),
    ],
    "posts",
)

crisis_urls = (
    [
        path("", crisis.console, name="console"),
        path("start/", crisis.crisis_start, name="start"),
        path("<int:crisis_id>/", crisis.crisis_detail, name="detail"),
        path("<int:crisis_id>/end/", crisis.crisis_end, name="end"),
        path("<int:crisis_id>/release-all/", crisis.crisis_release_all, name="release-all"),
        path("posts/<int:post_id>/release/", crisis.post_release, name="post-release"),
        path("statements/new/", statements.statement_new, name="statement-new"),
        path("statements/check/", statements.statement_check, name="statement-check"),
        path("statements/<int:statement_id>/edit/", statements.statement_edit, name="statement-edit"),
        path("statements/<int:statement_id>/issue/", crisis.statement_issue, name="statement-issue"),
    ],
    "crisis",
)

calendar_urls = (
    [
        path("", calendar.month, name="month"),
        path("week/", calendar.week, name="week"),
        path("<str:token>.ics", calendar.feed, name="feed"),
    ],
    "calendar",
)

# No namespace: `review-queue`, `notifications`, … (as the templates and e-mails name them).
queue_urls = [
    path("queue/", queue.review_queue, name="review-queue"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read-all/", notifications.notification_read_all, name="notifications-read-all"),
    path("notifications/<int:notification_id>/read/", notifications.notification_read, name="notification-read"),
]
