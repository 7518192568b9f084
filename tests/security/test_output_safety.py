"""Output safety (issue 7, item 4): a corpus of XSS and injection payloads (payloads.txt) is
planted through the real actions in every text field people type (post titles, bodies and
comments, review comments, channel, department and user names, crisis reasons, consents,
holding statements, policies), then every page, feed, export, API answer and e-mail that
shows them is read back:

- HTML: no element, attribute or `javascript:` address comes from the payloads (parsed with
  html.parser, and the raw markup of each payload never occurs), while the payloads are
  visible escaped; template syntax in the data is shown, never evaluated;
- RSS/Atom: well-formed XML, text round-trips, and the HTML a feed reader renders from a
  description holds no markup from the post;
- iCalendar: icalendar reads it back, an injected line makes no event;
- audit CSV: no cell a spreadsheet would run as a formula, the text still readable; JSON Lines
  round-trips exactly; API JSON round-trips exactly;
- e-mail: plain text only (no HTML part to escape), one-line subjects;
- SQL-ish, NUL and out-of-range values in every query parameter: 200 or 400 (a malformed
  API `cursor`: DRF's 404 "Invalid cursor"), never a 500.

The organization is seeded once per module (inside a transaction rolled back at the end).
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone
from django.utils.html import escape

# Every test reads the module's seeded organization (`seeded`) in its own rolled-back transaction.
pytestmark = pytest.mark.django_db

CORPUS_FILE = Path(__file__).with_name("payloads.txt")


def load_corpus() -> list[str]:
    lines = CORPUS_FILE.read_text(encoding="ascii").splitlines()
    return [line.encode("ascii").decode("unicode_escape") for line in lines if line and not line.startswith("#")]


CORPUS = load_corpus()
LONG = "Long " + "A" * 20_000 + " XSS-long-end"
# Raw markup of the payloads: on an HTML page it means a payload became markup.
DANGEROUS_MARKUP = (
    "<script>alert(",
    "<img src=x",
    "<svg onload",
    "<iframe src",
    "<details open",
    '<a href="javascript',
    "</textarea><script",
    "</title><script",
    "<!DOCTYPE x",
    "<![CDATA[<",
)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REMOTE_URL = "javascript:alert('XSS-remote-url')"
# A valid URL (URLField accepts any non-space character after the host) that breaks out of an
# unquoted or unescaped attribute.
TRICKY_URL = "https://www.stmarys.example.org/?q=\"><script>alert('XSS-link')</script>"


def _p(marker: str) -> str:
    """The corpus payload containing `marker`."""
    return next(p for p in CORPUS if marker in p)


# --- checking HTML --------------------------------------------------------------------------


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute: {raw[:200]}")
            if name in URL_ATTRIBUTES and value:
                address = re.sub(r"[\x00-\x20]", "", unescape(value)).lower()
                if address.startswith(BAD_SCHEMES):
                    self.problems.append(f"dangerous address: {raw[:200]}")
        if tag == "script":
            self._script = []
        if tag in ("iframe", "object", "embed", "svg", "math", "details") and "XSS" in raw:
            self.problems.append(f"payload element: {raw[:200]}")

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            text = "".join(self._script)
            if "XSS" in text or "alert(" in text:
                self.problems.append(f"payload script: {text[:200]}")
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)


def html_problems(text: str) -> list[str]:
    scan = _Scan()
    scan.feed(text)
    scan.close()
    problems = scan.problems
    problems += [f"raw payload markup {m!r}" for m in DANGEROUS_MARKUP if m in text]
    if "{% debug %}" not in text and "'csrf_token':" in text:
        problems.append("{% debug %} was evaluated")
    return problems


def assert_safe_page(response, *, expect=(), shows_corpus=True):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert html_problems(text) == []
    shown = [p for p in (*CORPUS, LONG) if escape(p) in text or escape(p.strip()) in text]
    assert not shows_corpus or ("XSS" in text and shown), "no payload is shown: the page does not exercise the corpus"
    for fragment in expect:
        assert fragment in text, fragment
    return text


# --- the seeded organization ----------------------------------------------------------------


def _seed() -> dict:
    from accounts import roles
    from approvals import actions as approvals_actions
    from approvals.actions.break_glass import break_glass
    from approvals.actions.consent import request_retraction
    from approvals.actions.statements import issue_holding_statement, save_holding_statement
    from approvals.demo import seed_holding_statements, seed_organization
    from approvals.models import Post, PostState
    from governance import actions as governance_actions
    from governance.models import Channel, Department, PostingPolicy
    from publishing.demo import seed_connectors

    seed_organization()
    seed_connectors()
    seed_holding_statements()
    User = get_user_model()
    users = {u.username: u for u in User.objects.all()}
    admin, ray, carol, dana = users["admin"], users["ray"], users["carol"], users["dana"]
    pr = Department.objects.get(slug="pr")
    channel = Channel.objects.get(slug="facebook-main")  # no length limit to speak of

    # People: a user's names and (through the ORM: the form forbids it) a username.
    evil = User.objects.create_user(
        "evil",
        email="evil@stmarys.example.org",
        password="x",
        first_name=_p("XSS-img"),
        last_name=_p("XSS-svg"),
    )
    nameless = User.objects.create_user("nameless", email="nameless@stmarys.example.org", password="x")
    User.objects.filter(pk=nameless.pk).update(username=_p("XSS-script"))
    nameless.refresh_from_db()
    User.objects.filter(pk=ray.pk).update(display_name=_p("XSS-textarea"))
    ray.refresh_from_db()
    # dana also manages Public Affairs: someone is told (by e-mail) to retract a post there.
    governance_actions.add_department_member(pr, actor=admin, user=dana, role="managers")
    for user in (evil, nameless):
        governance_actions.assign_role(user, actor=admin, role=roles.AUTHOR)
        governance_actions.add_department_member(pr, actor=admin, user=user, role="authors")

    # Departments and channels.
    governance_actions.create_department(
        actor=admin, slug="xss-department", name=_p("XSS-title"), description=_p("XSS-details")
    )
    Department.objects.filter(pk=pr.pk).update(name=_p("XSS-iframe"))
    channel = governance_actions.update_channel(
        channel,
        actor=admin,
        name=_p("XSS-svg"),
        handle=_p("XSS-img"),
        audience=_p("XSS-cdata"),
        voice_guidelines=_p("{{7*7}}"),
    )
    governance_actions.save_policy(
        None,
        actor=admin,
        name=_p("XSS-href"),
        channel=channel,
        rules=[{"kind": "lexicon", "severity": "warn", "terms": ["XSS-script"], "message": _p("XSS-details")}],
    )

    # Posts on facebook-main in every state the pages show, one corpus payload per title; every body
    # carries the whole corpus.
    body = "\n".join(CORPUS)
    later = timezone.now() + timedelta(hours=2)
    posts = {state: [] for state in ("draft", "in_review", "changes_requested", "scheduled", "published")}
    cycle = list(posts)
    for index, payload in enumerate([*CORPUS, LONG]):
        state = cycle[index % len(cycle)]
        author = nameless if index % 2 else evil
        title = " ".join(payload.split())[:200] if payload is LONG else payload[:200]
        post = approvals_actions.create_post(
            actor=author,
            channel=channel,
            title=title,
            body=f"{payload}\n\n{body}" if payload is not LONG else LONG,
            link=TRICKY_URL,
            media_url=TRICKY_URL.replace("link", "media"),
            media_alt_text=payload[:1000],
        )
        approvals_actions.comment(post, actor=author, body=payload)
        if state != "draft":
            post = approvals_actions.submit(post, actor=author, expected_version=post.version)
        if state == "changes_requested":
            post = approvals_actions.request_changes(post, actor=ray, expected_version=post.version, comment=payload)
        elif state in ("scheduled", "published"):
            post = approvals_actions.approve(post, actor=ray, expected_version=post.version, comment=payload)
            if state == "scheduled":
                post = approvals_actions.schedule(post, actor=ray, expected_version=post.version, scheduled_at=later)
            else:
                post = approvals_actions.publish_now(post, actor=ray, expected_version=post.version)
                post = approvals_actions.mark_published(
                    post,
                    actor=None,
                    remote_id=payload[:200],
                    # What a connector returns is not validated: a hostile platform's answer.
                    remote_url=REMOTE_URL if index == 4 else f"https://www.facebook.com/StMarysHospital/posts/{index}",
                )
        posts[state].append(post.pk)
    published = posts["published"][0]
    approvals_actions.comment(
        Post.objects.get(pk=published),
        actor=evil,
        body=_p("XSS-img"),
        parent=Post.objects.get(pk=published).comments.first(),
    )
    request_retraction(Post.objects.get(pk=published), actor=None, reason=_p("XSS-tab"))
    rejected = approvals_actions.create_post(actor=evil, channel=channel, title="Rejected", body=body)
    rejected = approvals_actions.submit(rejected, actor=evil, expected_version=rejected.version)
    approvals_actions.reject(rejected, actor=ray, expected_version=rejected.version, comment=_p("XSS-cr"))

    # The newsletter (e-mail connector), with a payload title.
    employee_news = Channel.objects.get(slug="employee-news")
    letter = approvals_actions.create_post(
        actor=evil, channel=employee_news, title=_p("XSS-script"), body=f"{_p('XSS-img')}\n\n{body}"
    )
    letter = approvals_actions.submit(letter, actor=evil, expected_version=letter.version)
    letter = approvals_actions.approve(letter, actor=ray, expected_version=letter.version, comment=_p("XSS-svg"))
    letter = approvals_actions.publish_now(letter, actor=ray, expected_version=letter.version)

    # Break glass (e-mails compliance), holding statements, a consent, then the crisis.
    glass = Post.objects.get(pk=posts["draft"][0])
    break_glass(glass, actor=dana, expected_version=glass.version, reason=_p("XSS-iframe"))
    statement = save_holding_statement(
        None, actor=dana, channel=channel, name=_p("XSS-svg")[:150], title=_p("XSS-img"), body=_p("XSS-script")
    )
    consent = governance_actions.record_consent(
        actor=carol,
        person_name=_p("XSS-img"),
        channels=[Channel.objects.get(slug="patient-stories")],
        granted_on=timezone.localdate(),
        document_reference=_p("HYPERLINK")[:200],
        notes=_p("XSS-script"),
    )
    crisis = approvals_actions.start_crisis(actor=dana, reason=_p("HYPERLINK"), channel=channel)
    issued = issue_holding_statement(statement, actor=dana)
    issued = approvals_actions.approve(issued, actor=users["sam"], expected_version=issued.version)
    assert issued.state == PostState.PUBLISHING, issued.state
    approvals_actions.mark_published(issued, actor=None, remote_id="statement", remote_url=REMOTE_URL)
    held = list(Post.objects.filter(pk__in=posts["scheduled"]).values_list("state", flat=True))
    assert held and set(held) == {PostState.HELD}, held
    policy = PostingPolicy.objects.get(channel=channel)
    return {
        "users": {u.username: u for u in User.objects.all()},
        "evil": evil,
        "nameless": nameless,
        "posts": posts,
        "published": published,
        "letter": letter.pk,
        "statement": statement.pk,
        "consent": consent.pk,
        "crisis": crisis.pk,
        "policy": policy.pk,
        "channel_slug": channel.slug,
        "channel_id": channel.pk,
        "month": later.strftime("%Y-%m"),
        "week": later.date().isoformat(),
        "outbox": list(mail.outbox),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The organization with the corpus planted, once for the module, rolled back after it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            mail.outbox = []
            with TestCase.captureOnCommitCallbacks(execute=True):
                data = _seed()
            data["outbox"] = list(mail.outbox)
            yield data
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def as_user(seeded, db):
    def make(who: str | None) -> Client:
        client = Client()
        if who is not None:
            user = seeded[who] if who in ("evil", "nameless") else seeded["users"][who]
            client.force_login(user)
        return client

    return make


# --- every page -----------------------------------------------------------------------------


def _pages(seeded) -> list[tuple[str, str, tuple]]:
    """(who, address, fragments that must be on the page) for every page showing planted data."""
    posts, crisis, policy = seeded["posts"], seeded["crisis"], seeded["policy"]
    published, in_review, draft = seeded["published"], posts["in_review"][0], posts["draft"][1]
    script = escape(_p("XSS-script"))
    return [
        ("evil", "/dashboard/", ()),
        ("ray", "/dashboard/", ()),
        ("carol", "/dashboard/", ()),
        ("dana", "/dashboard/", ()),
        ("evil", "/posts/new/", ()),
        ("evil", f"/posts/new/?channel={seeded['channel_slug']}", ()),
        ("nameless", f"/posts/{draft}/", ()),
        ("nameless", f"/posts/{draft}/edit/", ()),
        ("ray", f"/posts/{in_review}/", ("{{7*7}}", "{% debug %}", script)),
        ("evil", f"/posts/{posts['changes_requested'][0]}/", ()),
        ("evil", f"/posts/{published}/", (escape(REMOTE_URL),)),
        ("carol", f"/posts/{posts['scheduled'][0]}/", ()),
        ("ray", "/queue/", ()),
        ("evil", "/notifications/", ()),
        ("ray", "/notifications/", ()),
        ("carol", "/notifications/", ()),
        ("evil", f"/calendar/?month={seeded['month']}", ()),
        ("evil", f"/calendar/week/?week={seeded['week']}", ()),
        ("ray", f"/calendar/?month={seeded['month']}&channel={seeded['channel_slug']}", ()),
        ("evil", "/channels/", ()),
        ("admin", "/channels/", ()),
        ("evil", f"/channels/{seeded['channel_slug']}/", ()),
        ("admin", f"/channels/{seeded['channel_slug']}/", ()),
        ("dana", "/crisis/", (script,)),  # with the holding statements, written from the console
        ("dana", f"/crisis/{crisis}/", (escape(_p("HYPERLINK")),)),
        ("dana", f"/crisis/statements/{seeded['statement']}/edit/", (script,)),
        ("dana", f"/crisis/statements/new/?channel={seeded['channel_slug']}", ()),
        ("carol", "/audit/", ()),
        ("carol", f"/audit/?target_type=approvals.post&target_id={published}", ()),
        ("carol", f"/audit/posts/{published}/", (escape(REMOTE_URL),)),
        ("carol", f"/audit/posts/{in_review}/", ()),
        ("admin", "/policies/", ()),
        ("admin", f"/policies/{policy}/", ()),
        ("admin", f"/policies/{policy}/history/", ()),
        (None, f"/feeds/{seeded['channel_slug']}/posts/{published}/", (escape(TRICKY_URL),)),
    ]


# Lists of rows whose columns hold no typed text (ids, dates, states): safe, but no payload shows.
ADMIN_WITHOUT_TEXT = ("approvals/reviewdecision", "approvals/retrospectivereview", "approvals/retractionrequest")
ADMIN_CHANGELISTS = (
    "accounts/user",
    "approvals/post",
    "approvals/revision",
    "approvals/reviewdecision",
    "approvals/comment",
    "approvals/holdingstatement",
    "approvals/retrospectivereview",
    "approvals/retractionrequest",
    "governance/department",
    "governance/channel",
    "governance/postingpolicy",
    "governance/consent",
    "audit/auditevent",
    "publishing/publishjob",
)


def test_every_page_shows_the_corpus_escaped(seeded, as_user):
    clients, failures = {}, []
    for who, address, expect in _pages(seeded):
        client = clients.setdefault(who, as_user(who))
        response = client.get(address)
        try:
            assert_safe_page(response, expect=expect)
        except AssertionError as exc:
            failures.append(f"{who} {address}: {exc}")
    assert failures == [], "\n".join(f[:300] for f in failures)


def test_admin_changelists_and_change_pages_escape_the_corpus(seeded, as_user):
    admin, failures = as_user("admin"), []
    addresses = [f"/admin/{name}/" for name in ADMIN_CHANGELISTS]
    addresses += [
        f"/admin/approvals/post/{seeded['published']}/change/",
        f"/admin/governance/channel/{seeded['channel_id']}/change/",
        f"/admin/accounts/user/{seeded['nameless'].pk}/change/",
        f"/admin/governance/consent/{seeded['consent']}/change/",
    ]
    for address in addresses:
        try:
            shows = not any(address == f"/admin/{name}/" for name in ADMIN_WITHOUT_TEXT)
            assert_safe_page(admin.get(address), shows_corpus=shows)
        except AssertionError as exc:
            failures.append(f"{address}: {exc}")
    assert failures == [], "\n".join(f[:300] for f in failures)


def test_no_javascript_address_from_a_platform_answer_is_linked(seeded, as_user):
    """A connector stores what the platform answered as the post's address: a hostile or broken
    platform answering `javascript:` must not become a link (it is still shown, as text)."""
    for who, address in (
        ("evil", f"/posts/{seeded['published']}/"),
        ("carol", f"/audit/posts/{seeded['published']}/"),
        ("dana", f"/crisis/{seeded['crisis']}/"),
    ):
        text = as_user(who).get(address).content.decode()
        assert 'href="javascript' not in text.replace("&#x27;", "'").lower(), address


# --- feeds ----------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def _published_titles(seeded) -> dict[int, str]:
    from approvals.models import Post

    return {
        post.pk: post.current_revision.title
        for post in Post.objects.filter(pk__in=seeded["posts"]["published"]).select_related("current_revision")
    }


def _markup_a_reader_renders(html_text: str) -> list[str]:
    """Feed readers render RSS descriptions and Atom `type="html"` content as HTML."""
    scan = _Scan()
    scan.feed(html_text)
    scan.close()
    tags = re.findall(r"<\s*(script|img|svg|iframe|details|a|object|embed)\b", html_text, flags=re.I)
    return scan.problems + [f"<{tag}> in the rendered HTML" for tag in tags]


def test_rss_feed_is_well_formed_and_escapes_the_corpus(seeded, as_user):
    response = as_user(None).get(f"/feeds/{seeded['channel_slug']}/rss/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # well-formed, or this raises
    channel = root.find("channel")
    assert channel.findtext("title") == _p("XSS-svg")
    items = channel.findall("item")
    titles = _published_titles(seeded)
    assert {item.findtext("title") for item in items} >= set(titles.values())
    for item in items:
        description = item.findtext("description")
        assert "XSS" in description
        assert _markup_a_reader_renders(description) == [], item.findtext("title")


def test_atom_feed_is_well_formed_and_escapes_the_corpus(seeded, as_user):
    response = as_user(None).get(f"/feeds/{seeded['channel_slug']}/atom/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.findtext(f"{ATOM}title") == _p("XSS-svg")
    entries = root.findall(f"{ATOM}entry")
    assert {entry.findtext(f"{ATOM}title") for entry in entries} >= set(_published_titles(seeded).values())
    for entry in entries:
        summary = entry.find(f"{ATOM}summary")
        assert summary is not None and "XSS" in summary.text
        if summary.get("type") == "html":
            assert _markup_a_reader_renders(summary.text) == [], entry.findtext(f"{ATOM}title")
        for link in entry.findall(f"{ATOM}link"):
            assert not link.get("href", "").lower().startswith("javascript")


# --- the iCalendar feed ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["evil", "nameless"])
def test_ics_feed_parses_back_and_injected_lines_make_no_event(seeded, as_user, who):
    from icalendar import Calendar

    from approvals.views.calendar import feed_token, posts_in_range

    user = seeded[who]
    response = as_user(None).get(f"/calendar/{feed_token(user)}.ics")
    assert response.status_code == 200
    raw = response.content.decode()
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    now = timezone.now()
    expected = posts_in_range(user, now - timedelta(days=90), now + timedelta(days=365)).count()
    assert expected >= 5
    assert len(events) == expected
    lines = raw.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == expected  # no line of a post became a component
    for event in events:
        assert str(event.get("uid")).startswith("post-")
    # Every line is a property line or a fold: nothing starts a line that a post typed.
    for line in lines:
        assert not line.startswith(("SUMMARY:XSS", "END:VEVENT\r", "BEGIN:VEVENT\r")), line
    assert "\r" not in raw.replace("\r\n", ""), "a bare CR in the feed starts a line for some readers"
    descriptions = " ".join(str(event.get("description")) for event in events)
    # Descriptions carry title, channel, state and link only (issue 13): never a post's text.
    in_feed = list(posts_in_range(user, now - timedelta(days=90), now + timedelta(days=365)))
    for post in in_feed:
        assert post.current_revision.body not in descriptions, post.pk
    if any("XSS-ics-injected" in post.current_revision.title for post in in_feed):
        assert "\nBEGIN:VEVENT\nSUMMARY:XSS-ics-injected" in descriptions  # a title's lines kept, as text
    assert calendar.get("x-wr-calname") == f"Clearpost: {user.get_username()}"


# --- the audit exports ----------------------------------------------------------------------


def test_audit_csv_neutralises_every_formula_cell_and_stays_readable(seeded, as_user):
    from audit.models import AuditEvent

    response = as_user("carol").get("/audit/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = rows[0], rows[1:]
    assert len(rows) == AuditEvent.objects.count()
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell[:80]
    summary = header.index("summary")
    crisis_row = next(row for row in rows if row[header.index("action")] == "governance.crisis.start")
    assert crisis_row[summary] == "'" + _p("HYPERLINK")  # readable: only the quote was added
    comments = {row[summary] for row in rows}
    for marker in ("+cmd", "@SUM", "-2+3", "XSS-tab", "XSS-cr"):
        # As typed, or as the action kept it (reasons and comments are stripped).
        assert {"'" + _p(marker), "'" + _p(marker).strip()} & comments, marker
    assert _p("' OR 1=1") in comments  # not a formula: untouched
    actors = {row[header.index("actor")] for row in rows}
    assert _p("XSS-script") in actors


def test_audit_jsonl_round_trips_exactly(seeded, as_user):
    from audit.models import AuditEvent

    response = as_user("carol").get("/audit/export.jsonl")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    events = {event.seq: event for event in AuditEvent.objects.all()}
    assert len(lines) == len(events)
    planted = 0
    for line in lines:
        record = json.loads(line)
        event = events[record["seq"]]
        assert record["data"] == event.data
        assert (record["action"], record["actor_label"], record["target_id"]) == (
            event.action,
            event.actor_label,
            event.target_id,
        )
        planted += "XSS" in line
    assert planted >= 20


# --- the API --------------------------------------------------------------------------------


def _json(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_api_json_round_trips_the_corpus_exactly(seeded, as_user):
    from approvals.models import Post

    evil, ray, carol, dana = as_user("evil"), as_user("ray"), as_user("carol"), as_user("dana")
    for post in Post.objects.filter(author=seeded["evil"]).select_related("current_revision"):
        data = _json(evil.get(f"/api/v1/posts/{post.pk}/"))
        assert data["revision"]["body"] == post.current_revision.body
        assert data.get("title", data["revision"].get("title")) == post.current_revision.title
    listed = _json(evil.get("/api/v1/posts/?mine=true"))
    assert any(_p("XSS-img") in json.dumps(row, ensure_ascii=False) for row in listed["results"])
    channel = _json(evil.get(f"/api/v1/channels/{seeded['channel_slug']}/"))
    assert channel["name"] == _p("XSS-svg")
    assert _json(evil.get("/api/v1/departments/pr/"))["name"] == _p("XSS-iframe")
    comments = json.dumps(_json(ray.get(f"/api/v1/posts/{seeded['published']}/comments/")), ensure_ascii=False)
    assert _p("XSS-img") in comments
    crisis = _json(dana.get(f"/api/v1/crises/{seeded['crisis']}/"))
    assert crisis["reason"] == _p("HYPERLINK")
    statement = _json(dana.get(f"/api/v1/holding-statements/{seeded['statement']}/"))
    assert statement["body"] == _p("XSS-script")
    consent = _json(carol.get(f"/api/v1/consents/{seeded['consent']}/"))
    assert consent["person_name"] == _p("XSS-img")
    events = _json(carol.get("/api/v1/audit-events/?action=governance.crisis.start"))
    assert events["results"][0]["data"]["reason"] == _p("HYPERLINK")
    me = _json(as_user("nameless").get("/api/v1/me/"))
    assert me["username"] == _p("XSS-script")


# --- e-mail ---------------------------------------------------------------------------------


def test_emails_are_plain_text_with_one_line_subjects(seeded):
    outbox = seeded["outbox"]
    subjects = " ".join(message.subject for message in outbox)
    bodies = "\n".join(message.body for message in outbox)
    assert "Break-glass" in subjects and "Retract" in subjects and "Review needed" in subjects
    assert any(_p("XSS-script") == message.subject for message in outbox), "the newsletter went out"
    assert _p("XSS-iframe") in bodies  # the break-glass reason, as typed
    for message in outbox:
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", None), "an HTML part would need escaping"
        assert "\n" not in message.subject and "\r" not in message.subject
        message.message().as_bytes()  # headers serialise (no injection raises BadHeaderError)


# --- hostile query parameters ---------------------------------------------------------------

HOSTILE_VALUES = (
    "' OR 1=1--",
    "1) UNION SELECT password FROM accounts_user--",
    "a\x00b",
    "%_\\",
    "-1",
    "99999999999999999999999999",
    "0001-01",
    "9999-12",
    "0001-01-01",
    "9999-12-31",
    "\u202e" + "A" * 3000,
    "<script>alert('XSS-query')</script>",
)
# (who, address, query parameters to fuzz) for every list with filters, paging or a cursor.
QUERY_SURFACES = (
    ("carol", "/audit/", ("actor", "action", "target_id", "channel", "since", "until", "after")),
    ("carol", "/audit/export.csv", ("actor", "until")),
    ("carol", "/audit/export.jsonl", ("target_type", "since")),
    ("evil", "/calendar/", ("month", "channel")),
    ("evil", "/calendar/week/", ("week", "channel")),
    ("ray", "/queue/", ("channel", "department", "after")),
    ("evil", "/notifications/", ("before", "unread")),
    ("evil", "/posts/new/", ("channel",)),
    ("admin", "/policies/new/", ("scope",)),
    ("admin", "/policies/rule-fieldset/", ("add_rule_kind", "rule_count")),
    ("evil", "/api/v1/posts/", ("state", "channel", "mine", "cursor")),
    ("ray", "/api/v1/review-queue/", ("cursor",)),
    ("evil", "/api/v1/channels/", ("department", "platform", "cursor")),
    ("evil", "/api/v1/departments/", ("cursor",)),
    ("carol", "/api/v1/audit-events/", ("actor", "action", "target_id", "channel", "since", "until", "cursor")),
    ("carol", "/api/v1/retrospective-reviews/", ("status", "cursor", "page_size")),
    ("dana", "/api/v1/retraction-requests/", ("status", "cursor")),
    ("dana", "/api/v1/crises/", ("cursor", "active")),
    ("carol", "/api/v1/consents/", ("cursor", "channel")),
    ("admin", "/admin/approvals/post/", ("q", "o", "p", "state__exact")),
    ("admin", "/admin/audit/auditevent/", ("q", "o", "p")),
)


@pytest.mark.parametrize("who,address,params", QUERY_SURFACES, ids=[f"{a}" for _, a, _ in QUERY_SURFACES])
def test_hostile_query_parameters_are_refused_or_ignored_never_a_500(seeded, as_user, who, address, params):
    client = as_user(who)
    client.raise_request_exception = False
    failures = []
    for name in params:
        for value in HOSTILE_VALUES:
            response = client.get(address, {name: value})
            # The admin answers a filter it does not know with a redirect to "?e=1".
            allowed = (200, 400, 302) if address.startswith("/admin/") else (200, 400)
            if name == "cursor":
                allowed = (200, 400, 404)  # DRF's cursor pagination: "Invalid cursor", 404
            if response.status_code not in allowed:
                failures.append(f"?{name}={value[:40]!r}: {response.status_code}")
            elif "XSS" in value and response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                problems = html_problems(response.content.decode())
                if problems:
                    failures.append(f"?{name}={value[:40]!r}: {problems}")
    assert failures == [], "\n".join(failures)


def test_nul_bytes_typed_into_forms_and_the_api_are_refused_not_a_500(seeded, as_user):
    """PostgreSQL cannot store NUL: every way in must refuse it as a validation error."""
    evil = as_user("evil")
    evil.raise_request_exception = False
    api = evil.post(
        "/api/v1/posts/",
        {"channel": seeded["channel_slug"], "title": "a\x00b", "body": "body\x00"},
        content_type="application/json",
    )
    assert api.status_code == 400, api.content[:300]
    assert set(api.json()["errors"]) >= {"title", "body"}
    check = evil.post(
        "/api/v1/policy-check/", {"channel": seeded["channel_slug"], "body": "x\x00y"}, content_type="application/json"
    )
    assert check.status_code in (200, 400)
    page = evil.post("/posts/new/", {"channel": seeded["channel_slug"], "title": "t", "body": "a\x00b"})
    assert page.status_code in (200, 400)
    assert html_problems(page.content.decode()) == []
    comment = evil.post(f"/posts/{seeded['published']}/comments/", {"body": "\x00"})
    assert comment.status_code in (200, 302, 400)


def test_newsletter_title_with_a_line_break_cannot_inject_headers(seeded, as_user, django_capture_on_commit_callbacks):
    """The newsletter's subject is the post's title: a CR or LF in it (the API accepts them)
    must neither add a header nor stop the delivery."""
    from approvals import actions
    from governance.models import Channel
    from publishing.models import PublishJob

    users = seeded["users"]
    title = "Staff update\r\nBcc: everyone@example.org\rX-Injected: XSS"
    with django_capture_on_commit_callbacks(execute=True):
        post = actions.create_post(
            actor=seeded["evil"], channel=Channel.objects.get(slug="employee-news"), title=title, body="Hello."
        )
        post = actions.submit(post, actor=seeded["evil"], expected_version=post.version)
        post = actions.approve(post, actor=users["ray"], expected_version=post.version)
        post = actions.publish_now(post, actor=users["ray"], expected_version=post.version)
    job = PublishJob.objects.get(post=post)
    letters = [m for m in mail.outbox if "Staff update" in m.subject and m.bcc]
    assert job.status == "done", (job.status, job.last_error)
    assert len(letters) == 1
    raw = letters[0].message().as_string()
    assert "\nBcc: everyone@example.org" not in raw and "\nX-Injected" not in raw
    assert letters[0].subject == "Staff update Bcc: everyone@example.org X-Injected: XSS"


def test_live_check_and_refused_compose_forms_escape_what_was_typed(seeded, as_user):
    """The compose page's htmx partial cuts the body into highlighted runs around findings (one
    inside a payload's tag here), and a refused form is shown again with what was typed."""
    evil = as_user("evil")
    body = "<script>alert('XSS-check guaranteed')</script> \"><img src=x onerror=alert('XSS-check')> miracle cure\n"
    body += "\n".join(CORPUS)
    form = {"channel": seeded["channel_slug"], "title": _p("XSS-img"), "body": body, "link": _p("XSS-jsurl")}
    partial = evil.post("/posts/check/", form, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    text = partial.content.decode()
    assert html_problems(text) == []
    assert "&lt;script&gt;alert(&#x27;XSS-check " in text
    refused = evil.post("/posts/new/", {**form, "title": LONG})  # too long, and a javascript: link
    assert refused.status_code in (200, 400)
    text = refused.content.decode()
    assert html_problems(text) == []
    assert escape(LONG) in text and escape(_p("XSS-jsurl")) in text
