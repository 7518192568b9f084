"""The platforms a channel can be on, and what Clearpost knows about each: one entry per platform.

- `governance.models.Platform` (a channel's `platform` choices) is made from `PLATFORMS`.
- `governance.rules.length` counts and limits a post as its platform does: it reads the limits,
  units, names and whether the link shows inline from here, and maps `counting` to its algorithm.
- The compose page lays out its preview by `preview_layout(slug)`.
- `publishing.connectors` delivers through `default_connector_kind(slug)` until a channel has a
  connector of its own; `connector_kinds` are the kinds that make sense for the platform.

This module imports nothing of the apps, so that every layer can read it.
"""

from dataclasses import dataclass

# How a platform counts a post body (the algorithms are in governance.rules.length).
WEIGHTED = "weighted"  # twitter-text v3's weighted length: CJK and emoji 2, a URL 23 (X)
GRAPHEMES = "graphemes"  # grapheme clusters, a URL 23, a remote mention as long as its local part (Mastodon)
CODE_POINTS = "code_points"  # Unicode code points
UTF8_BYTES = "utf8_bytes"  # UTF-8 bytes (YouTube descriptions)

# Preview layouts of the compose page.
SHORT = "short"  # a status: text and link in one short block
LONG = "long"  # an article: title, body, link

# Connector kinds (`publishing.models.ConnectorKind`; named here by their values, governance
# being below publishing).
FEED = "feed"
MANUAL = "manual"
WEBHOOK = "webhook"
MASTODON = "mastodon"
EMAIL = "email"


@dataclass(frozen=True)
class PlatformSpec:
    """What Clearpost knows about one platform."""

    slug: str  # stored in Channel.platform
    label: str  # shown, and used in findings ("281 of 280 characters as X counts them")
    limit: int | None  # on a post body, in `unit`; None: no limit
    counting: str  # WEIGHTED, GRAPHEMES, CODE_POINTS or UTF8_BYTES
    unit: str = "characters"  # or "bytes"
    title_limit: int | None = None  # in characters; None: no limit, or no title
    link_inline: bool = False  # the composer shows the link in the text: it counts as if appended with a space
    preview_layout: str = LONG
    default_connector: str = MANUAL  # without a connector configured on the channel
    connector_kinds: tuple[str, ...] = (MANUAL, WEBHOOK)  # the kinds that make sense for it, the default first


# In the order of the choices (a change of order or label is a migration of Channel.platform).
PLATFORMS: dict[str, PlatformSpec] = {
    spec.slug: spec
    for spec in (
        PlatformSpec("x", "X", limit=280, counting=WEIGHTED, link_inline=True, preview_layout=SHORT),
        # Facebook: 63,206 characters, the limit Facebook announced for posts when it raised it in 2011 (no current
        # help-centre page gives a figure; the composer still enforces it).
        PlatformSpec("facebook", "Facebook", limit=63_206, counting=CODE_POINTS),
        # Instagram: the Instagram Graph API's content publishing reference (IG User Media, `caption`): at most 2,200
        # characters (and 30 hashtags, 20 @-mentions: other rules' business).
        PlatformSpec("instagram", "Instagram", limit=2_200, counting=CODE_POINTS),
        # LinkedIn: LinkedIn Help, "Share posts…", and the Posts API's `commentary`: posts of up to 3,000 characters.
        PlatformSpec("linkedin", "LinkedIn", limit=3_000, counting=CODE_POINTS),
        # YouTube: the YouTube Data API v3 reference, "Videos" resource: snippet.description "has a maximum length of
        # 5000 bytes" (UTF-8), snippet.title "a maximum length of 100 characters"; neither may contain < or >.
        PlatformSpec("youtube", "YouTube", limit=5_000, counting=UTF8_BYTES, unit="bytes", title_limit=100),
        PlatformSpec(
            "mastodon",
            "Mastodon",
            limit=500,
            counting=GRAPHEMES,
            link_inline=True,
            preview_layout=SHORT,
            connector_kinds=(MANUAL, MASTODON, WEBHOOK),
        ),
        # Own outlets: no length limit. Blogs and podcasts are published through their own feeds.
        PlatformSpec(
            "blog",
            "Blog",
            limit=None,
            counting=CODE_POINTS,
            default_connector=FEED,
            connector_kinds=(FEED, WEBHOOK, MANUAL),
        ),
        PlatformSpec(
            "podcast",
            "Podcast",
            limit=None,
            counting=CODE_POINTS,
            default_connector=FEED,
            connector_kinds=(FEED, WEBHOOK, MANUAL),
        ),
        PlatformSpec("forum", "Forum", limit=None, counting=CODE_POINTS),
        PlatformSpec(
            "newsletter", "Newsletter", limit=None, counting=CODE_POINTS, connector_kinds=(MANUAL, EMAIL, WEBHOOK)
        ),
        PlatformSpec("intranet", "Intranet", limit=None, counting=CODE_POINTS),
    )
}


def get(slug: str) -> PlatformSpec:
    """The platform's entry; ValueError for a slug that is not a platform."""
    try:
        return PLATFORMS[slug]
    except KeyError:
        raise ValueError(f"unknown platform: {slug!r}") from None


def choices() -> list[tuple[str, str]]:
    """(slug, label) of every platform, in order: the choices of Channel.platform."""
    return [(spec.slug, spec.label) for spec in PLATFORMS.values()]


def preview_layout(slug: str) -> str:
    """SHORT ("short": X, Mastodon) or LONG ("long") — how the compose page previews a post.
    A slug that is not a platform gets LONG."""
    spec = PLATFORMS.get(slug)
    return spec.preview_layout if spec else LONG


def default_connector_kind(slug: str) -> str:
    """The connector kind ("feed", "manual") of a channel on the platform that has none configured.
    A slug that is not a platform gets MANUAL."""
    spec = PLATFORMS.get(slug)
    return spec.default_connector if spec else MANUAL
