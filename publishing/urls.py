from django.urls import path

from . import feeds

urlpatterns = [
    path("<slug:slug>/rss/", feeds.ChannelRssFeed(), name="feed-rss"),
    path("<slug:slug>/atom/", feeds.ChannelAtomFeed(), name="feed-atom"),
    path("<slug:slug>/posts/<int:post_id>/", feeds.feed_item, name="feed-item"),
]
