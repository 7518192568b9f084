"""RSS 2.0 and Atom feeds of a channel's published posts (blogs, podcasts, newsletters),
built on Django's syndication framework. Publishing a post on a feed channel is recording
it as published (publishing.connectors.feeds.FeedConnector): it then appears here.

Feeds of public channels are public; an internal channel has none (404)."""

import mimetypes

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import linebreaks

from approvals.models import Post, PostState
from governance.models import Audience, Channel

FEED_LENGTH = 50


def _public_channel(slug: str) -> Channel:
    channel = Channel.objects.filter(slug=slug, visibility=Audience.PUBLIC).first()
    if channel is None:
        raise Http404("No such feed.")
    return channel


def published_posts(channel: Channel):
    return (
        Post.objects.filter(channel=channel, state=PostState.PUBLISHED)
        .select_related("current_revision", "author")
        .order_by("-published_at", "-id")
    )


class ChannelRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, slug):
        return _public_channel(slug)

    def title(self, channel):
        return channel.name

    def link(self, channel):
        return channel.url or reverse("feed-rss", kwargs={"slug": channel.slug})

    def description(self, channel):
        return channel.audience or channel.name

    def items(self, channel):
        return published_posts(channel)[:FEED_LENGTH]

    def item_title(self, post):
        return post.current_revision.title or post.current_revision.body[:80]

    def item_description(self, post):
        # Readers render an RSS description (and Atom's type="html" summary) as HTML: the body is
        # plain text, so it goes out escaped, its paragraphs kept. Raw, a "<script>" typed in a
        # post would run in every subscriber's reader.
        return linebreaks(post.current_revision.body, autoescape=True)

    def item_link(self, post):
        return reverse("feed-item", kwargs={"slug": post.channel.slug, "post_id": post.pk})

    def item_guid(self, post):
        return f"clearpost:{post.channel.slug}:{post.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return post.published_at

    def item_author_name(self, post):
        return post.author.label

    def item_enclosure_url(self, post):
        return post.current_revision.media_url or None

    def item_enclosure_length(self, post):
        return 0  # unknown: the media lives elsewhere

    def item_enclosure_mime_type(self, post):
        return mimetypes.guess_type(post.current_revision.media_url)[0] or "application/octet-stream"


class ChannelAtomFeed(ChannelRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, channel):
        return self.description(channel)


def feed_item(request, slug: str, post_id: int):
    """The public page of one published post of a feed."""
    channel = _public_channel(slug)
    post = published_posts(channel).filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return render(
        request, "publishing/feed_item.html", {"channel": channel, "post": post, "revision": post.current_revision}
    )
