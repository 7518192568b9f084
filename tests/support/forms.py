"""The post forms as the compose and edit pages post them (tests/approvals/test_post_pages.py,
tests/approvals/test_coauthor_pages.py): every field the page sends, with `changes` on top."""

REVISION_FIELDS = ("title", "body", "link", "media_url", "media_alt_text")


def compose_data(consent, *, with_co_authors: bool = False, button: str | None = None, **changes) -> dict:
    """/posts/new/: a post on patient-stories citing `consent`. `with_co_authors` adds the
    co-authors field (empty); `button` the button pressed ("save", "submit")."""
    data = {
        "channel": "patient-stories",
        "title": "A garden for patients",
        "body": "Our new healing garden opens on Friday.",
        "link": "",
        "media_url": "",
        "media_alt_text": "",
        "scheduled_at": "",
        "consent": str(consent.pk),
    }
    if with_co_authors:
        data["co_authors"] = ""
    if button:
        data[button] = "1"
    data.update(changes)
    return data


def edit_data(post, *, with_co_authors: bool = False, button: str | None = None, **changes) -> dict:
    """/posts/<id>/edit/: the post's current revision, consent and version, unchanged.
    `with_co_authors` adds the co-authors field as the page fills it (the post's co-authors);
    `button` the button pressed.

    It reads the post's revision and co-authors from the database even when `changes` replace
    them: called inside a measured block, those reads count (test_coauthor_pages pins them)."""
    revision = post.current_revision
    data = {
        **{name: getattr(revision, name) for name in REVISION_FIELDS},
        "scheduled_at": "",
        "consent": str(post.consent_id or ""),
        "version": str(post.version),
    }
    if with_co_authors:
        data["co_authors"] = ", ".join(u.username for u in post.co_authors.order_by("username"))
    if button:
        data[button] = "1"
    data.update(changes)
    return data
