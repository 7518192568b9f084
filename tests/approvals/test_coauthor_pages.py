"""Co-authors on the compose and edit pages (Django client): typing usernames works without
JavaScript, only people who may draft on the post's channel are accepted (the action's rule,
with a field error naming who is refused), changes go through `edit_post` with the version and
are audited, and the htmx suggestion endpoint lists at most ten eligible people, only to those
who may draft on the channel."""

import re
from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from approvals import actions
from approvals.models import Post, PostState, ReviewDecision
from audit.models import AuditEvent
from governance import actions as governance_actions
from governance.models import Department
from tests.support import forms
from tests.support.queries import assert_same_queries, exact_queries, queries_of

pytestmark = pytest.mark.django_db

SUGGEST = "/posts/co-authors/"


@pytest.fixture
def marketing_author(demo):
    """`marketing_author("cory")`: a new author in marketing (who may draft on patient-stories)."""
    marketing = Department.objects.get(slug="marketing")

    def make(username: str, **fields):
        user = get_user_model().objects.create_user(
            username, email=f"{username}@example.org", password="a-long-password-1", **fields
        )
        governance_actions.add_department_member(marketing, actor=None, user=user, role="authors")
        return get_user_model().objects.get(pk=user.pk)

    return make


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The forms as these pages post them: with the co-authors field, by the Save button.
compose_data = partial(forms.compose_data, with_co_authors=True, button="save")
edit_data = partial(forms.edit_data, with_co_authors=True, button="save")


def co_author_names(post) -> list[str]:
    return sorted(post.co_authors.values_list("username", flat=True))


def field_errors(html: str) -> str:
    found = re.search(r'<ul class="errorlist" id="id_co_authors-errors".*?</ul>', html, re.S)
    return found.group(0) if found else ""


def suggested(response) -> list[str]:
    return re.findall(r'data-username="([^"]+)"', response.content.decode())


def last_event(post) -> AuditEvent:
    return AuditEvent.objects.filter(target_type="approvals.post", target_id=str(post.pk)).order_by("-seq").first()


# --- compose ----------------------------------------------------------------------------------


def test_compose_offers_the_co_author_box(client_as):
    html = client_as("alice").get("/posts/new/").content.decode()
    assert 'data-testid="co-author-picker"' in html
    box = re.search(r'<input type="text" name="co_authors"[^>]*>', html, re.S).group(0)
    assert 'data-testid="compose-co-authors"' in box and 'hx-get="/posts/co-authors/"' in box
    # Its own target and sync: the form's live check must not be inherited (nor cancelled).
    assert 'hx-target="#co-author-suggestions"' in box and 'hx-sync="this:replace"' in box


def test_compose_with_typed_co_authors(client_as, demo, consent, marketing_author):
    cory, maya = marketing_author("cory"), marketing_author("maya")
    response = client_as("alice").post("/posts/new/", compose_data(consent, co_authors="cory,  maya, cory"))
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.pk}/edit/"
    assert set(post.co_authors.all()) == {cory, maya}
    event = last_event(post)
    assert event.action == "approvals.post.create" and sorted(event.data["co_authors"]) == ["cory", "maya"]
    # The edit page shows them in the box, ready to change.
    html = client_as("alice").get(f"/posts/{post.pk}/edit/").content.decode()
    assert re.search(r'name="co_authors" id="id_co_authors" value="cory, maya"', html)


def test_the_author_typed_as_co_author_is_left_out(client_as, consent):
    response = client_as("alice").post("/posts/new/", compose_data(consent, co_authors="alice"))
    assert response.status_code == 302
    assert co_author_names(Post.objects.get()) == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # bob drafts in PR, rachel reviews marketing: neither may draft on patient-stories.
        ("bob", "bob may not draft on Patient Stories, so cannot be a co-author."),
        ("rachel", "rachel may not draft on Patient Stories, so cannot be a co-author."),
        ("nobody", "No such user: nobody. Type usernames, separated by commas."),
    ],
)
def test_compose_refuses_who_may_not_co_author(client_as, consent, marketing_author, typed, message):
    marketing_author("cory")
    response = client_as("alice").post("/posts/new/", compose_data(consent, co_authors=f"cory, {typed}"))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in field_errors(html)
    assert 'data-testid="compose-errors"' in html
    assert f'value="cory, {typed}"' in html  # what was typed stays in the box
    assert not Post.objects.exists()


def test_the_channel_names_escape_in_the_refusal(client_as, consent, channel):
    channel.name = "<b>Stories</b>"
    channel.save(update_fields=["name"])
    html = client_as("alice").post("/posts/new/", compose_data(consent, co_authors="bob")).content.decode()
    assert "bob may not draft on &lt;b&gt;Stories&lt;/b&gt;" in field_errors(html)


# --- edit -----------------------------------------------------------------------------------


def test_edit_adds_and_removes_co_authors_through_the_action(client_as, make_post, marketing_author):
    cory, maya = marketing_author("cory"), marketing_author("maya")
    post = make_post("draft")
    alice = client_as("alice")
    response = alice.post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="cory, maya"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert set(post.co_authors.all()) == {cory, maya} and post.version == 2
    assert post.current_revision.number == 1  # co-authors are not content: no new revision
    event = last_event(post)
    assert event.action == "approvals.post.edit" and event.actor.username == "alice"
    assert event.data["changed"] == ["co_authors"]
    assert event.data["co_authors"] == {"before": [], "after": ["cory", "maya"]}

    response = alice.post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="maya"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert co_author_names(post) == ["maya"] and post.version == 3
    assert last_event(post).data["co_authors"] == {"before": ["cory", "maya"], "after": ["maya"]}
    # The post's page shows them; its timeline says what changed.
    html = alice.get(f"/posts/{post.pk}/").content.decode()
    assert re.search(r'data-testid="post-co-authors">maya</span>', html)
    assert "co-authors: cory, maya → maya" in html

    alice.post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors=""))
    post.refresh_from_db()
    assert co_author_names(post) == [] and post.version == 4
    assert 'data-testid="post-co-authors"' not in alice.get(f"/posts/{post.pk}/").content.decode()


def test_the_same_co_authors_change_nothing(client_as, make_post, marketing_author):
    marketing_author("cory")
    post = make_post("draft")
    alice = client_as("alice")
    alice.post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="cory"))
    post.refresh_from_db()
    events = AuditEvent.objects.count()
    response = alice.post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="cory, cory, alice"), follow=True)
    post.refresh_from_db()
    assert "Nothing changed." in response.content.decode()
    assert post.version == 2 and co_author_names(post) == ["cory"] and AuditEvent.objects.count() == events


def test_an_edit_form_without_the_box_keeps_the_co_authors(client_as, make_post, marketing_author):
    """A client that does not send the field (an older page) changes the text, not the people."""
    marketing_author("cory")
    post = make_post("draft")
    client_as("alice").post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="cory"))
    post.refresh_from_db()
    data = edit_data(post, body="New words")
    del data["co_authors"]
    assert client_as("alice").post(f"/posts/{post.pk}/edit/", data).status_code == 302
    post.refresh_from_db()
    assert post.current_revision.body == "New words" and co_author_names(post) == ["cory"]


def test_edit_refuses_who_may_not_co_author_and_changes_nothing(client_as, make_post):
    post = make_post("draft")
    response = client_as("alice").post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="bob", body="Changed"))
    assert response.status_code == 400
    assert "bob may not draft on Patient Stories, so cannot be a co-author." in field_errors(response.content.decode())
    post.refresh_from_db()
    assert post.version == 1 and co_author_names(post) == [] and post.current_revision.body != "Changed"


def test_a_co_author_who_lost_the_right_to_draft_stays_when_others_are_added(client_as, make_post, marketing_author):
    """Only those added are checked: an existing co-author moved out of marketing does not block
    the author from adding someone else (removing them is the author's call)."""
    cory, maya = marketing_author("cory"), marketing_author("maya")
    post = make_post("draft")
    post.co_authors.add(cory)
    cory.groups.clear()
    response = client_as("alice").post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="cory, maya"))
    assert response.status_code == 302
    assert co_author_names(post) == ["cory", "maya"]
    assert maya in post.co_authors.all()


def test_a_stale_co_author_change_is_a_conflict_that_keeps_what_was_typed(client_as, demo, make_post, marketing_author):
    marketing_author("cory")
    post = make_post("draft")
    loaded = edit_data(post, co_authors="cory")
    actions.edit_post(post, actor=demo["alice"], expected_version=1, body="Someone else's words")
    response = client_as("alice").post(f"/posts/{post.pk}/edit/", loaded)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="conflict"' in html and 'value="cory"' in html
    post.refresh_from_db()
    assert post.version == 2 and co_author_names(post) == []


def test_new_co_authors_send_a_post_in_review_back_to_draft(client_as, demo, make_post, marketing_author):
    """Approvals were given by people who were not authors; with new authors that must hold again."""
    marketing_author("cory")
    post = make_post("in_review")
    ReviewDecision.objects.create(
        post=post,
        stage=post.current_stage,
        revision=post.current_revision,
        reviewer=demo["rachel"],
        decision="approve",
    )
    response = client_as("alice").post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="cory"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == PostState.DRAFT and post.current_stage is None
    assert not ReviewDecision.objects.filter(post=post, voided_at__isnull=True).exists()
    assert last_event(post).data["voided_decisions"] == 1


def test_a_co_author_may_then_edit_and_submit(client_as, make_post, marketing_author):
    cory = marketing_author("cory")
    post = make_post("draft")
    client_as("alice").post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors="cory"))
    post.refresh_from_db()
    as_cory = signed_in(cory)
    assert as_cory.get(f"/posts/{post.pk}/edit/").status_code == 200
    response = as_cory.post(f"/posts/{post.pk}/edit/", {**edit_data(post, body="Cory's words"), "submit": "1"})
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.pk}/"
    post.refresh_from_db()
    assert post.current_revision.body == "Cory's words" and post.state == PostState.IN_REVIEW
    assert AuditEvent.objects.filter(action="approvals.post.submit", actor=cory).exists()


def test_a_co_author_who_leaves_the_post_lands_on_the_dashboard(client_as, make_post, marketing_author):
    cory = marketing_author("cory")
    post = make_post("draft")
    post.co_authors.add(cory)
    response = signed_in(cory).post(f"/posts/{post.pk}/edit/", edit_data(post, co_authors=""))
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert co_author_names(post) == []
    assert signed_in(cory).get(f"/posts/{post.pk}/").status_code == 404


def test_co_author_names_render_escaped(client_as, make_post, marketing_author):
    cory = marketing_author("cory", display_name='<img src=x onerror="alert(1)">')
    post = make_post("draft")
    post.co_authors.add(cory)
    html = client_as("alice").get(f"/posts/{post.pk}/").content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and "<img src=x" not in html
    suggestions = client_as("alice").get(SUGGEST, {"channel": "patient-stories", "co_authors": "<img"})
    assert suggested(suggestions) == ["cory"]
    assert "<img src=x" not in suggestions.content.decode()


# --- the suggestion endpoint --------------------------------------------------------------------


def test_suggestions_are_people_who_may_draft_on_the_channel(client_as, demo, marketing_author):
    marketing_author("cory"), marketing_author("carl"), marketing_author("maya", display_name="Cara Lind")
    alice = client_as("alice")
    # carol (compliance), bob (PR author) and rachel (marketing reviewer) may not draft there;
    # alice is the author; maya matches by her name.
    response = alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "ca"})
    assert response.status_code == 200 and suggested(response) == ["carl", "maya"]
    assert suggested(alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "carl, c"})) == ["cory", "maya"]
    assert suggested(alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "r"})) == []
    assert suggested(alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "a"})) == []  # not alice
    none = alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "zz"}).content.decode()
    assert 'data-testid="co-author-none"' in none
    assert suggested(alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "cory, "})) == []


def test_suggestions_stop_at_ten(client_as, marketing_author):
    for i in range(12):
        marketing_author(f"casey{i:02d}")
    response = client_as("alice").get(SUGGEST, {"channel": "patient-stories", "co_authors": "case"})
    assert suggested(response) == [f"casey{i:02d}" for i in range(10)]


def test_suggestions_for_a_post_being_edited(client_as, make_post, marketing_author):
    marketing_author("cory")
    post = make_post("draft")
    response = client_as("alice").get(SUGGEST, {"post": post.pk, "co_authors": "co"})
    assert suggested(response) == ["cory"]


def test_picking_a_suggestion_puts_it_in_the_box(client_as, marketing_author):
    marketing_author("cory")
    response = client_as("alice").get(SUGGEST, {"channel": "patient-stories", "co_authors": "maya, co", "add": "cory"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="co-author-picker"' in html
    assert 'value="maya, cory, "' in html and "autofocus" in html


def test_suggestions_need_a_signed_in_user(client, demo):
    response = client.get(SUGGEST, {"channel": "patient-stories", "co_authors": "a"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("username", "params", "status"),
    [
        ("alice", {"channel": "x-news"}, 404),  # alice may not draft on x-news: its people are not hers to see
        ("alice", {"channel": "no-such-channel"}, 404),
        ("bob", {"channel": "patient-stories"}, 404),
        ("carol", {"channel": "patient-stories"}, 404),  # sees every channel, drafts on none
        ("rachel", {"channel": "patient-stories"}, 404),  # reviews there, does not draft
        ("rachel", {"post": "POST"}, 403),  # sees the post, may not edit it
        ("bob", {"post": "POST"}, 404),  # may not see it
        ("alice", {"post": "nonsense"}, 404),
        ("alice", {"post": "9" * 30}, 404),
    ],
)
def test_suggestions_never_leak_people_of_channels_one_may_not_draft_on(
    client_as, make_post, marketing_author, username, params, status
):
    marketing_author("cory")
    post = make_post("draft")
    params = {key: str(post.pk) if value == "POST" else value for key, value in params.items()}
    response = client_as(username).get(SUGGEST, {**params, "co_authors": "co"})
    assert response.status_code == status
    assert "cory" not in response.content.decode()


def test_without_a_channel_the_box_asks_for_one(client_as, marketing_author):
    marketing_author("cory")
    response = client_as("alice").get(SUGGEST, {"channel": "", "co_authors": "co"})
    assert response.status_code == 200 and suggested(response) == []
    assert 'data-testid="co-author-no-channel"' in response.content.decode()


# --- the API (the same action) --------------------------------------------------------------


def test_the_api_edits_co_authors_too(api_as, make_post, marketing_author):
    marketing_author("cory")
    post = make_post("draft")
    api = api_as("alice")
    response = api.patch(f"/api/v1/posts/{post.pk}/", {"version": 1, "co_authors": ["cory"]}, format="json")
    assert response.status_code == 200 and response.json()["co_authors"] == ["cory"]
    refused = api.patch(f"/api/v1/posts/{post.pk}/", {"version": 2, "co_authors": ["bob"]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["co_authors"] == ["bob may not draft on Patient Stories, so cannot be a co-author."]
    unknown = api.patch(f"/api/v1/posts/{post.pk}/", {"version": 2, "co_authors": ["ghost"]}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"]["co_authors"] == ["Unknown user: ghost"]


# --- query counts -------------------------------------------------------------------------------


def test_suggestions_cost_a_constant(client_as, marketing_author):
    marketing_author("cory")
    alice = client_as("alice")
    alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "c"})  # warm the templates
    with exact_queries(QUERIES["suggest"], what="suggest"):
        assert len(suggested(alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "c"}))) == 1
    for i in range(12):
        marketing_author(f"casey{i:02d}")
    with exact_queries(QUERIES["suggest"], what="suggest"):
        assert len(suggested(alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "c"}))) == 10


def test_saving_co_authors_costs_the_same_for_one_or_many(client_as, consent, make_post, marketing_author):
    names = [marketing_author(f"casey{i}").username for i in range(4)]
    alice = client_as("alice")
    alice.get("/posts/new/")
    with exact_queries(QUERIES["compose"], what="compose"):
        alice.post("/posts/new/", compose_data(consent, co_authors=names[0]))
    with exact_queries(QUERIES["compose"], what="compose"):
        alice.post("/posts/new/", compose_data(consent, co_authors=", ".join(names)))
    one, many = make_post("draft"), make_post("draft")
    with exact_queries(QUERIES["edit"], what="edit"):
        alice.post(f"/posts/{one.pk}/edit/", edit_data(one, co_authors=names[0]))
    with exact_queries(QUERIES["edit"], what="edit"):
        alice.post(f"/posts/{many.pk}/edit/", edit_data(many, co_authors=", ".join(names)))
    assert [len(p.co_authors.all()) for p in (one, many)] == [1, 4]


@pytest.mark.parametrize("page", ["", "edit/"])
def test_pages_cost_the_same_whatever_the_co_authors(client_as, make_post, marketing_author, page):
    people = [marketing_author(f"casey{i}") for i in range(5)]
    one, many = make_post("draft"), make_post("draft")
    one.co_authors.add(people[0])
    many.co_authors.add(*people)
    alice = client_as("alice")

    def measured(post):
        alice.get(f"/posts/{post.pk}/{page}")  # warm
        page_queries = queries_of(lambda: alice.get(f"/posts/{post.pk}/{page}"))
        assert page_queries.result.status_code == 200
        return page_queries

    assert_same_queries(measured(one), measured(many))


# Pinned: a change here is a change in what the page asks of the database; say why in the commit.
# Separation of duties: compose and edit record the writers (one insert); edit reads them
# (the page) and locks the post before reading it (lock_post).
QUERIES = {"suggest": 4, "compose": 22, "edit": 29}


def test_nul_characters_are_refused_not_a_server_error(client_as, consent, marketing_author):
    marketing_author("cory")
    alice = client_as("alice")
    response = alice.post("/posts/new/", compose_data(consent, co_authors="co\x00ry"))
    assert response.status_code == 400 and "Null characters are not allowed." in field_errors(response.content.decode())
    found = alice.get(SUGGEST, {"channel": "patient-stories", "co_authors": "c\x00o"})
    assert found.status_code == 400 and suggested(found) == []  # config.nul_bytes, before the view


def test_a_deactivated_co_author_does_not_block_an_edit(client_as, make_post, marketing_author):
    cory = marketing_author("cory")
    post = make_post("draft")
    post.co_authors.add(cory)
    get_user_model().objects.filter(pk=cory.pk).update(is_active=False)
    alice = client_as("alice")
    html = alice.get(f"/posts/{post.pk}/edit/").content.decode()
    assert 'value="cory"' in html  # still named in the box
    response = alice.post(f"/posts/{post.pk}/edit/", edit_data(post, body="New words", co_authors="cory"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.current_revision.body == "New words" and co_author_names(post) == ["cory"]
    # Adding someone deactivated is refused like an unknown name.
    other = make_post("draft")
    refused = alice.post(f"/posts/{other.pk}/edit/", edit_data(other, co_authors="cory"))
    assert refused.status_code == 400 and "No such user: cory." in field_errors(refused.content.decode())
