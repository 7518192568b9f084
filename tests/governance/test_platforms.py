"""The platform registry (governance.platforms): one entry per platform, and what reads it —
the choices of Channel.platform, the length rule, the compose page's preview layout and the
connector a channel gets when none is configured."""

import pytest

from governance import platforms
from governance.models import Platform
from governance.rules import length
from publishing.connectors import CONNECTORS, connector_for
from publishing.models import ConnectorKind

OWN_OUTLETS = ("blog", "podcast", "forum", "newsletter", "intranet")


def test_the_channel_choices_are_the_registry_in_order():
    assert Platform.choices == [
        ("x", "X"),
        ("facebook", "Facebook"),
        ("instagram", "Instagram"),
        ("linkedin", "LinkedIn"),
        ("youtube", "YouTube"),
        ("mastodon", "Mastodon"),
        ("blog", "Blog"),
        ("podcast", "Podcast"),
        ("forum", "Forum"),
        ("newsletter", "Newsletter"),
        ("intranet", "Intranet"),
    ]
    assert list(platforms.PLATFORMS) == Platform.values
    assert Platform.MASTODON == "mastodon" and Platform.YOUTUBE.label == "YouTube"
    for slug, spec in platforms.PLATFORMS.items():
        assert spec.slug == slug and platforms.get(slug) is spec


def test_a_slug_that_is_not_a_platform():
    with pytest.raises(ValueError, match="tiktok"):
        platforms.get("tiktok")
    assert platforms.preview_layout("tiktok") == "long"
    assert platforms.default_connector_kind("tiktok") == "manual"


# slug: body limit, unit, title limit — what the length rule enforced before the registry.
LIMITS = {
    "x": (280, "characters", None),
    "mastodon": (500, "characters", None),
    "facebook": (63_206, "characters", None),
    "instagram": (2_200, "characters", None),
    "linkedin": (3_000, "characters", None),
    "youtube": (5_000, "bytes", 100),
    **dict.fromkeys(OWN_OUTLETS, (None, "characters", None)),
}


@pytest.mark.parametrize("slug", Platform.values)
def test_limits(slug):
    spec = platforms.get(slug)
    assert (spec.limit, spec.unit, spec.title_limit) == LIMITS[slug]
    assert (length.limit(slug), length.unit(slug), length.title_limit(slug)) == LIMITS[slug]


def test_counting_methods():
    counting = {slug: spec.counting for slug, spec in platforms.PLATFORMS.items()}
    assert counting == {
        "x": platforms.WEIGHTED,
        "mastodon": platforms.GRAPHEMES,
        "youtube": platforms.UTF8_BYTES,
        **dict.fromkeys(("facebook", "instagram", "linkedin", *OWN_OUTLETS), platforms.CODE_POINTS),
    }


def test_the_link_shows_inline_and_the_preview_is_short_on_x_and_mastodon_only():
    inline = {slug for slug, spec in platforms.PLATFORMS.items() if spec.link_inline}
    short = {slug for slug in Platform.values if platforms.preview_layout(slug) == "short"}
    assert inline == short == {"x", "mastodon"}
    assert {platforms.preview_layout(slug) for slug in Platform.values} == {"short", "long"}
    link = "https://example.org/a"
    assert length.count_and_limit("x", "Read", link=link)[0] == 4 + 1 + 23
    assert length.count_and_limit("linkedin", "Read", link=link)[0] == 4


def test_blogs_and_podcasts_go_out_through_their_feeds_the_rest_by_hand():
    defaults = {slug: platforms.default_connector_kind(slug) for slug in Platform.values}
    assert defaults == {slug: "feed" if slug in ("blog", "podcast") else "manual" for slug in Platform.values}


@pytest.mark.parametrize("slug", Platform.values)
def test_connector_kinds_are_kinds_there_are(slug):
    spec = platforms.get(slug)
    assert spec.connector_kinds[0] == spec.default_connector
    assert len(set(spec.connector_kinds)) == len(spec.connector_kinds)
    assert set(spec.connector_kinds) <= set(ConnectorKind.values) == set(CONNECTORS)


def test_each_connector_kind_is_offered_where_it_delivers():
    offering = {
        kind: {slug for slug, spec in platforms.PLATFORMS.items() if kind in spec.connector_kinds}
        for kind in ConnectorKind.values
    }
    assert offering["mastodon"] == {"mastodon"}
    assert offering["feed"] == {"blog", "podcast"}
    assert offering["email"] == {"newsletter"}
    assert offering["manual"] == offering["webhook"] == set(Platform.values)


@pytest.mark.django_db
def test_a_channel_without_a_connector_gets_its_platforms_default():
    from governance import actions

    department = actions.create_department(actor=None, slug="outlets", name="Outlets")
    channels = [
        actions.create_channel(actor=None, slug=f"on-{slug}", name=slug, platform=slug, owning_department=department)
        for slug in Platform.values
    ]
    kinds = {channel.platform: connector_for(channel).kind for channel in channels}
    assert kinds == {slug: "feed" if slug in ("blog", "podcast") else "manual" for slug in Platform.values}
