"""Holding statements written and changed in the browser, from the crisis console: who may,
the stale save, the blocking finding, the live check, escaping and constant query counts."""

import pytest
from guardian.shortcuts import assign_perm

from approvals import actions
from approvals.models import HoldingStatement, Post
from audit.models import AuditEvent
from governance.models import Channel
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db

CONSOLE = "/crisis/"
NEW = "/crisis/statements/new/"
CHECK = "/crisis/statements/check/"
CALM = "We are aware of reports of an incident and will update here by 14:00."
EVIL = "<script>alert(1)</script>"


def edit_url(statement) -> str:
    return f"/crisis/statements/{statement.pk}/edit/"


@pytest.fixture
def x_news(demo):
    return Channel.objects.get(slug="x-news")


@pytest.fixture
def statement(demo, x_news):
    return actions.save_holding_statement(None, actor=demo["dana"], channel=x_news, name="Incident", body=CALM)


@pytest.fixture
def mia(demo):
    """Manages patient-stories (so she handles crises there), reviews x-news (so she sees its
    statements but may not write them), and has nothing on facebook-main."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("mia", password="x")
    assign_perm("manage_channel", user, Channel.objects.get(slug="patient-stories"))
    assign_perm("review_on_channel", user, Channel.objects.get(slug="x-news"))
    demo["mia"] = user
    return user


def form(statement, **changes) -> dict:
    data = {
        "version": statement.version,
        "name": statement.name,
        "title": statement.title,
        "body": statement.body,
        "link": statement.link,
        "is_active": "on" if statement.is_active else "",
    }
    return {**data, **changes}


def test_dana_writes_a_statement_from_the_console_and_changes_it(client_as, demo, x_news):
    dana = client_as("dana")
    console = dana.get(CONSOLE).content.decode()
    assert 'data-testid="holding-statements"' in console and 'data-testid="statement-new-any"' in console
    # x-news has no statement yet: it is offered in the line of channels without one.
    assert 'data-testid="statement-group" data-channel="x-news"' not in console
    assert f'href="{NEW}?channel=x-news" data-testid="statement-new" data-channel="x-news"' in console

    page = dana.get(f"{NEW}?channel=x-news")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="x-news" selected>' in html and 'data-testid="statement-save"' in html
    assert 'data-testid="char-count"' in html and 'data-testid="no-findings"' in html  # the live check, initial

    created = dana.post(
        NEW, {"channel": "x-news", "name": "Outage", "title": "", "body": CALM, "link": "", "is_active": "on"}
    )
    statement = HoldingStatement.objects.get(name="Outage")
    assert created.status_code == 302 and created["Location"] == f"{CONSOLE}#statement-{statement.pk}"
    assert (statement.channel, statement.body, statement.version, statement.approved_by) == (
        x_news,
        CALM,
        1,
        demo["dana"],
    )
    event = AuditEvent.objects.get(action="approvals.holding_statement.create")
    assert event.target_id == str(statement.pk) and event.actor == demo["dana"]

    console = dana.get(CONSOLE).content.decode()
    assert 'data-testid="statement-group" data-channel="x-news"' in console
    assert f'data-statement="{statement.pk}"' in console
    assert 'data-testid="statement-new" data-channel="x-news"' not in console
    assert f'href="{edit_url(statement)}" data-testid="statement-edit"' in console

    page = dana.get(edit_url(statement)).content.decode()
    assert 'name="version" value="1"' in page and CALM in page
    saved = dana.post(edit_url(statement), form(statement, body=CALM + " Updates at 16:00.", is_active=""))
    assert saved.status_code == 302
    statement.refresh_from_db()
    assert statement.version == 2 and statement.body.endswith("16:00.") and not statement.is_active
    update = AuditEvent.objects.get(action="approvals.holding_statement.update")
    assert update.data["before"]["is_active"] is True and update.data["after"]["is_active"] is False
    console = dana.get(CONSOLE).content.decode()
    assert 'data-testid="statement-retired"' in console


def test_a_stale_save_is_409_and_keeps_what_was_typed(client_as, demo, statement):
    dana = client_as("dana")
    loaded = form(statement)  # dana loads version 1 …
    actions.save_holding_statement(  # … sam changes it meanwhile
        statement, actor=demo["sam"], expected_version=1, body="Sam's wording: we are looking into it."
    )
    typed = "Dana wording: we will update at noon."
    response = dana.post(edit_url(statement), {**loaded, "body": typed})
    html = response.content.decode()
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html and "You loaded version 1; it is now at version 2" in html
    assert "Sam's wording" in html.replace("&#x27;", "'")  # theirs, as saved now
    assert f"{typed}</textarea>" in html  # ours, still in the form
    assert 'name="version" value="2"' in html  # saving again is a deliberate overwrite
    assert 'data-testid="conflict-diff"' in html and "<del>" in html and "<ins>" in html
    statement.refresh_from_db()
    assert statement.version == 2 and statement.body.startswith("Sam's")
    assert AuditEvent.objects.filter(action="approvals.holding_statement.update").count() == 1

    again = dana.post(edit_url(statement), {**loaded, "body": typed, "version": 2})
    assert again.status_code == 302
    statement.refresh_from_db()
    assert statement.version == 3 and statement.body == typed


def test_a_blocking_finding_refuses_the_save_and_shows_the_findings(client_as, demo, statement):
    dana = client_as("dana")
    blocked_body = "Our miracle cure is guaranteed."
    response = dana.post(NEW, {"channel": "x-news", "name": "Cure", "body": blocked_body, "is_active": "on"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="policy-block"' in html and "Unfounded medical claims" in html
    assert 'data-severity="block"' in html and 'data-severity="warn"' in html  # every finding is shown
    assert f"{blocked_body}</textarea>" in html
    assert not HoldingStatement.objects.filter(name="Cure").exists()

    response = dana.post(edit_url(statement), form(statement, body=blocked_body))
    assert response.status_code == 400 and 'data-testid="policy-block"' in response.content.decode()
    statement.refresh_from_db()
    assert statement.version == 1 and statement.body == CALM
    assert not AuditEvent.objects.filter(action="approvals.holding_statement.update").exists()


def test_invalid_fields_are_400_next_to_the_field(client_as, statement):
    dana = client_as("dana")
    response = dana.post(NEW, {"channel": "x-news", "name": "", "body": CALM, "link": "not a url"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-name"' in html and 'data-testid="error-link"' in html
    response = dana.post(edit_url(statement), form(statement, version=""))
    assert response.status_code == 400 and 'data-testid="error-version"' not in response.content.decode()
    assert HoldingStatement.objects.count() == 1


# (user, what, which, page status, API status): `which` is the statement on x-news ("x"), the
# one on facebook-main ("fb"), or the channel of a new one. The API answers the same question
# through the same selector and action; the rows show where and why the page differs.
MATRIX = [
    ("dana", "view", "x", 200, 200),
    ("dana", "edit", "x", 302, 200),
    ("dana", "new", "x-news", 302, 201),
    ("sam", "edit", "x", 302, 200),
    ("admin", "edit", "x", 302, 200),
    # mia reviews x-news: she sees its statements and may not write them; facebook-main is hidden.
    ("mia", "view", "x", 403, 200),  # the page is a form she could never save
    ("mia", "edit", "x", 403, 403),
    ("mia", "new", "x-news", 403, 403),
    ("mia", "view", "fb", 404, 404),
    ("mia", "edit", "fb", 404, 404),
    ("mia", "new", "facebook-main", 404, 404),
    # carol (compliance), ray (reviewer of x-news) and bob (author) handle no crisis at all: the
    # console refuses their POSTs before any lookup (403 for any id, as for every crisis form).
    ("carol", "view", "x", 403, 200),
    ("carol", "edit", "x", 403, 403),
    ("ray", "view", "x", 403, 200),
    ("ray", "edit", "x", 403, 403),
    ("ray", "new", "x-news", 403, 403),
    ("bob", "view", "x", 404, 404),
    ("bob", "edit", "x", 403, 404),
    ("bob", "new", "x-news", 403, 403),
    ("bob", "new", "youtube-main", 403, 404),
]


@pytest.mark.parametrize(("username", "what", "which", "page_status", "api_status"), MATRIX)
def test_who_may_see_write_and_change_statements(
    client_as, api_as, demo, mia, statement, username, what, which, page_status, api_status
):
    other = actions.save_holding_statement(
        None, actor=demo["dana"], channel=Channel.objects.get(slug="facebook-main"), name="Other", body=CALM
    )
    target = {"x": statement, "fb": other}.get(which)
    api, page = api_as(username), client_as(username)
    # The API first, with a save that changes nothing (so that it leaves the version alone).
    if what == "view":
        assert api.get(f"/api/v1/holding-statements/{target.pk}/").status_code == api_status
        response = page.get(edit_url(target))
    elif what == "edit":
        url = f"/api/v1/holding-statements/{target.pk}/"
        assert api.patch(url, {"version": 1, "body": CALM}, format="json").status_code == api_status
        response = page.post(edit_url(target), form(target, body=CALM + " (checked)"))
    else:
        url = f"/api/v1/channels/{which}/holding-statements/"
        assert api.post(url, {"name": "By API", "body": CALM}, format="json").status_code == api_status
        response = page.post(NEW, {"channel": which, "name": "By page", "body": CALM, "is_active": "on"})
    assert response.status_code == page_status
    written = HoldingStatement.objects.filter(name="By page").exists() or (
        target is not None and HoldingStatement.objects.get(pk=target.pk).version != 1
    )
    assert written == (page_status == 302)


def test_the_console_shows_no_write_controls_to_readers(client_as, statement):
    html = client_as("carol").get(CONSOLE).content.decode()
    assert f'data-statement="{statement.pk}"' in html  # compliance reads them
    assert 'data-testid="statement-new"' not in html and 'data-testid="statement-edit"' not in html
    html = client_as("bob").get(CONSOLE).content.decode()
    assert f'data-statement="{statement.pk}"' not in html and 'data-testid="statement-new"' not in html
    assert client_as("bob").get(NEW).status_code == 403  # he may write for no channel


def test_the_live_check_finds_what_the_compose_page_finds(client_as, mia, statement):
    dana = client_as("dana")
    response = dana.post(CHECK, {"channel": "x-news", "body": "A miracle cure!"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-severity="block"' in html and 'hx-swap-oob="true"' in html and 'data-testid="char-count"' in html
    response = dana.post(CHECK, {"statement": statement.pk, "body": "All fine."})
    assert response.status_code == 200 and 'data-testid="no-findings"' in response.content.decode()
    mia_client = client_as("mia")
    assert mia_client.post(CHECK, {"channel": "x-news", "body": "x"}).status_code == 403
    assert mia_client.post(CHECK, {"channel": "facebook-main", "body": "x"}).status_code == 404
    assert mia_client.post(CHECK, {"channel": "patient-stories", "body": "x"}).status_code == 200


def test_statements_are_escaped_everywhere(client_as, demo, x_news):
    statement = actions.save_holding_statement(
        None, actor=demo["dana"], channel=x_news, name=EVIL, title=EVIL, body=f"Update {EVIL}"
    )
    dana = client_as("dana")
    incident = actions.start_crisis(actor=demo["dana"], channel=x_news, reason="Outage")
    loaded = form(statement)
    actions.save_holding_statement(statement, actor=demo["sam"], expected_version=1, body=f"Sam {EVIL}")
    pages = [
        dana.get(CONSOLE),
        dana.get(f"/crisis/{incident.pk}/"),
        dana.get(edit_url(statement)),
        dana.post(edit_url(statement), {**loaded, "body": f"Dana {EVIL}"}),  # the conflict view
        dana.post(CHECK, {"channel": "x-news", "body": f"Check {EVIL}"}),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code in (200, 409)
        assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_statement_is_issued_from_the_console_during_a_crisis(client_as, demo, x_news, statement):
    dana = client_as("dana")
    assert 'data-testid="statement-issue"' not in dana.get(CONSOLE).content.decode()  # no crisis yet
    incident = actions.start_crisis(actor=demo["dana"], channel=x_news, reason="Outage")
    console = dana.get(CONSOLE).content.decode()
    assert 'data-testid="statement-issue"' in console and f'name="crisis" value="{incident.pk}"' in console
    response = dana.post(f"/crisis/statements/{statement.pk}/issue/", {"crisis": incident.pk})
    assert response.status_code == 302 and response["Location"] == f"/crisis/{incident.pk}/"
    post = Post.objects.get(holding_statement=statement)
    assert post.state == "in_review" and post.current_revision.body == CALM
    detail = dana.get(f"/crisis/{incident.pk}/").content.decode()
    assert f'href="{edit_url(statement)}" data-testid="statement-edit"' in detail
    carol_sees = client_as("carol").get(f"/crisis/{incident.pk}/").content.decode()
    assert f'data-statement="{statement.pk}"' in carol_sees and 'data-testid="statement-edit"' not in carol_sees


@pytest.mark.parametrize("username", ["dana", "mia"])  # the crisis team; a manager with per-channel grants
def test_the_console_costs_the_same_queries_with_1_or_20_statements(client_as, demo, mia, username):
    page = client_as(username)
    channels = [Channel.objects.get(slug=slug) for slug in ("x-news", "patient-stories", "employee-news")]
    assign_perm("review_on_channel", mia, channels[2])  # mia sees its statements too
    actions.save_holding_statement(None, actor=demo["sam"], channel=channels[0], name="First", body=CALM)
    actions.start_crisis(actor=demo["dana"], channel=channels[0], reason="Outage")
    page.get(CONSOLE)  # warm the session
    few = queries_of(lambda: page.get(CONSOLE))
    assert few.result.status_code == 200
    # More statements, on more channels (whose grants must not cost a query each), more crises.
    for i in range(19):
        actions.save_holding_statement(
            None, actor=demo["sam" if i % 2 else "dana"], channel=channels[i % 3], name=f"S{i}", body=CALM
        )
    actions.start_crisis(actor=demo["dana"], channel=channels[1], reason="Another")
    many = queries_of(lambda: page.get(CONSOLE))
    assert_same_queries(few, many)
    html = many.result.content.decode()
    assert html.count('data-testid="holding-statement"') == 20
    # No crisis covers employee-news; dana issues on the others, mia only on patient-stories (hers).
    assert html.count('data-testid="statement-issue"') == (14 if username == "dana" else 6)


def test_the_channel_page_lists_its_statements_and_links_to_the_console(client_as, demo, x_news, statement):
    html = client_as("dana").get("/channels/x-news/").content.decode()
    assert 'data-testid="panel-holding-statements"' in html
    assert f'data-testid="channel-statement" data-statement="{statement.pk}"' in html
    assert f'href="{edit_url(statement)}" data-testid="channel-statement-edit"' in html
    assert f'href="{NEW}?channel=x-news" data-testid="channel-statement-new"' in html
    html = client_as("carol").get("/channels/x-news/").content.decode()  # reads, may not write
    assert f'data-statement="{statement.pk}"' in html and "channel-statement-edit" not in html
    assert "channel-statement-new" not in html
    html = client_as("bob").get("/channels/x-news/").content.decode()  # an author: not his to see
    assert 'data-testid="panel-holding-statements"' not in html and statement.name not in html


def test_the_channel_page_costs_the_same_queries_with_1_or_20_statements(client_as, demo, x_news, statement):
    dana = client_as("dana")
    dana.get("/channels/x-news/")
    few = queries_of(lambda: dana.get("/channels/x-news/"))
    for i in range(19):
        actions.save_holding_statement(None, actor=demo["sam"], channel=x_news, name=f"S{i}", body=CALM)
    many = queries_of(lambda: dana.get("/channels/x-news/"))
    assert_same_queries(few, many)
    html = many.result.content.decode()
    assert html.count('data-testid="channel-statement"') == 20
