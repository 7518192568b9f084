"""The organization directory (issue 15, item 1): the organization's own phone numbers, e-mail
domains, addresses, sites and staff names, which the sensitive-information screen never reports
as a private person's. Its actions (portal admins, audited), the selector the screen reads, the
screening key, the page, and a post screened with and without its number in the directory."""

import pytest
from django.test import Client

from approvals import actions as post_actions
from approvals.models import RevisionScreening
from audit.models import AuditEvent
from core.errors import NotVisible, PermissionDenied, StaleVersion, ValidationFailed
from governance import actions
from governance.models import Channel, DirectoryEntry
from governance.rules import directory as org_directory
from governance.rules import engine
from governance.rules.sensitive import Directory
from tests.support.queries import assert_same_queries, exact_queries, queries_of

pytestmark = pytest.mark.django_db

# Next to a patient's name the screen reports a phone number as hers, unless the directory says it is
# the organization's ("call our clinic at …" it would leave out by itself).
CLINIC = "Maria Lopez was admitted with pneumonia; for visiting hours call 617-555-0142."
CLINIC_PHONE = "617-555-0142"  # the demo's switchboard, "+1 (617) 555-0142"


def phone_findings(findings) -> list:
    return [f for f in findings if f.rule == "sensitive" and f.message.startswith("Phone number")]


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


@pytest.fixture
def empty_directory(demo):
    """The demo organization with nothing in its directory."""
    for entry in DirectoryEntry.objects.all():
        actions.remove_directory_entry(entry, actor=None)
    return demo


# --- actions ----------------------------------------------------------------------------------


def test_a_portal_admin_adds_an_entry_and_it_is_audited(empty_directory):
    admin = empty_directory["admin"]
    entry = actions.add_directory_entry(actor=admin, kind="phone", value=" +1 (617)  555-0142 ", label="Switchboard")
    assert (entry.kind, entry.value, entry.normalised, entry.label, entry.version) == (
        "phone",
        "+1 (617) 555-0142",
        "6175550142",
        "Switchboard",
        1,
    )
    event = last_event()
    assert (event.action, event.actor, event.target_type, event.target_id) == (
        "governance.directory.add",
        admin,
        "governance.directoryentry",
        str(entry.pk),
    )
    assert event.data["after"] == {
        "kind": "phone",
        "value": "+1 (617) 555-0142",
        "normalised": "6175550142",
        "label": "Switchboard",
    }


@pytest.mark.parametrize("username", ["alice", "rachel", "carol", "dana", "sam"])
def test_only_portal_admins_change_the_directory(demo, username):
    """Managers of a department (dana), compliance (carol) and everyone else may read it only."""
    user = demo[username]
    entry = DirectoryEntry.objects.get(kind="phone", normalised="6175550142")
    before, events = sorted(DirectoryEntry.objects.values_list("pk", "version", "value")), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        actions.add_directory_entry(actor=user, kind="phone", value="617-555-0100")
    with pytest.raises(PermissionDenied):
        actions.update_directory_entry(entry, actor=user, expected_version=entry.version, label="Hacked")
    with pytest.raises(PermissionDenied):
        actions.remove_directory_entry(entry, actor=user)
    assert sorted(DirectoryEntry.objects.values_list("pk", "version", "value")) == before
    assert AuditEvent.objects.count() == events


def test_a_change_bumps_the_version_and_is_audited_a_stale_one_is_refused(demo):
    admin = demo["admin"]
    entry = DirectoryEntry.objects.get(kind="phone", normalised="6175550143")
    changed = actions.update_directory_entry(
        entry, actor=admin, expected_version=1, value="(617) 555-0144", label="Nurse line"
    )
    assert (changed.version, changed.normalised, changed.label) == (2, "6175550144", "Nurse line")
    event = last_event()
    assert event.action == "governance.directory.update" and event.actor == admin
    assert event.data["before"]["normalised"] == "6175550143" and event.data["after"]["normalised"] == "6175550144"
    events = AuditEvent.objects.count()
    with pytest.raises(StaleVersion):
        actions.update_directory_entry(entry, actor=admin, expected_version=1, label="Old tab")
    with pytest.raises(StaleVersion):
        actions.remove_directory_entry(entry, actor=admin, expected_version=1)
    # Nothing changed: nothing saved, nothing audited.
    same = actions.update_directory_entry(changed, actor=admin, expected_version=2, label="Nurse line")
    assert same.version == 2 and AuditEvent.objects.count() == events


def test_a_removal_deletes_the_row_and_the_audit_event_keeps_what_it_said(demo):
    admin = demo["admin"]
    entry = DirectoryEntry.objects.get(kind="email_domain")
    actions.remove_directory_entry(entry, actor=admin, expected_version=entry.version)
    assert not DirectoryEntry.objects.filter(pk=entry.pk).exists()
    event = last_event()
    assert (event.action, event.actor, event.target_id) == ("governance.directory.remove", admin, str(entry.pk))
    assert event.data["before"]["value"] == "stmarys.example.org"
    with pytest.raises(NotVisible):
        actions.remove_directory_entry(entry, actor=admin)


@pytest.mark.parametrize(
    ("kind", "value", "label", "field"),
    [
        ("phone", "call me maybe", "", "value"),
        ("phone", "12", "", "value"),
        ("email_domain", "gmail.com", "", "value"),  # every patient's address would be "ours"
        ("email_domain", "press@stmarys.example.org", "", "value"),
        ("email_domain", "https://stmarys.example.org/", "", "value"),
        ("email_domain", "localhost", "", "value"),
        ("staff_name", "Jen", "", "value"),  # one given name would cover every Jen
        ("staff_name", "R2 D2", "", "value"),
        ("address", "   ", "", "value"),
        ("site", "200 Harbor Road", "", "label"),  # a site is named
        ("fax", "617-555-0100", "", "kind"),
        ("phone", "617-555-0100", "x" * 151, "label"),
    ],
)
def test_values_that_cannot_be_an_entry_of_their_kind_are_field_errors(demo, kind, value, label, field):
    with pytest.raises(ValidationFailed) as refused:
        actions.add_directory_entry(actor=demo["admin"], kind=kind, value=value, label=label)
    assert field in refused.value.errors


def test_the_same_entry_twice_is_a_field_error_whatever_its_spelling(demo):
    with pytest.raises(ValidationFailed) as refused:
        actions.add_directory_entry(actor=demo["admin"], kind="phone", value="617.555.0142")  # the switchboard
    assert "already" in refused.value.errors["value"][0]


def test_how_each_kind_is_compared():
    cases = {
        ("phone", "+1 (617) 555-0142 ext. 12"): "6175550142",
        ("phone", "1-800-555-0199"): "8005550199",
        ("email_domain", "@StMarys.Example.org."): "stmarys.example.org",
        ("address", "1428 Elm Street, Boston, MA 02118"): "1428 elm street",  # the street line
        ("site", "200 Harbor Road"): "200 harbor road",
        ("staff_name", "Dr. Priya  Shah, MD"): "priya shah",
    }
    for (kind, value), expected in cases.items():
        assert org_directory.normalised(kind, value) == expected, (kind, value)


# --- what the screen reads ------------------------------------------------------------------


def test_the_directory_is_one_query_and_built_again_only_when_the_entries_change(demo):
    with exact_queries(1):
        first = org_directory.organization_directory()
    assert "6175550142" in first.phones and "stmarys.example.org" in first.email_domains
    assert {"1428 elm street", "200 harbor road"} <= first.addresses  # an address and a site
    assert "alice martin" in first.names
    assert org_directory.organization_directory() is first  # same rows: same Directory
    actions.add_directory_entry(actor=demo["admin"], kind="phone", value="617-555-0100")
    second = org_directory.organization_directory()
    assert second is not first and "6175550100" in second.phones
    assert org_directory.fingerprint(second) != org_directory.fingerprint(first)


def test_the_screening_key_holds_the_directory_and_an_empty_one_keeps_the_old_key(demo):
    channel = Channel.objects.get(slug="x-news")
    policies = engine.effective_policies(channel)
    empty = engine.screen_key(channel, policies, Directory())
    assert empty == engine.screen_key(channel, policies, None)
    one = Directory(phones=frozenset({"6175550142"}))
    other = Directory(phones=frozenset({"6175550143"}))
    assert len({empty, engine.screen_key(channel, policies, one), engine.screen_key(channel, policies, other)}) == 3
    assert engine.screen_key(channel, policies, one) == engine.screen_key(
        channel, policies, Directory(phones=frozenset({"6175550142"}))
    )


def test_the_directory_is_read_only_for_a_rule_that_uses_it(demo):
    words = actions.save_policy(
        actor=None, name="Words", rules=[{"kind": "lexicon", "severity": "warn", "terms": ["stat"]}]
    )
    with exact_queries(0):
        assert engine.directory_for([words]) is None
    screening = actions.save_policy(actor=None, name="Screen", rules=[{"kind": "sensitive", "severity": "warn"}])
    with exact_queries(1):
        assert "6175550142" in engine.directory_for([words, screening]).phones


# --- end to end: a post with the organization's own number ------------------------------------


def test_the_organizations_own_phone_is_not_reported_a_private_persons_still_is(empty_directory):
    demo = empty_directory
    channel = Channel.objects.get(slug="support-forums")  # sensitive information escalates here
    reported = engine.check(channel, engine.Draft(body=CLINIC))
    assert len(phone_findings(reported.findings)) == 1

    actions.add_directory_entry(actor=demo["admin"], kind="phone", value="+1 (617) 555-0142", label="Clinic")
    assert phone_findings(engine.check(channel, engine.Draft(body=CLINIC)).findings) == []
    # A private person's number in a health context is still reported, next to the clinic's.
    private = "Maria Lopez was admitted with pneumonia; call her husband at 617-555-0199 or 617-555-0142."
    found = engine.check(channel, engine.Draft(body=private)).findings
    phones = phone_findings(found)
    assert [private[f.start : f.end] for f in phones] == ["617-555-0199"]
    assert any(f.message.startswith("Patient name") for f in found)


def test_a_change_of_the_directory_screens_a_stored_post_again(demo):
    """A post's findings are stored with its revision (keyed by the screen key): adding the
    number to the directory, and removing it again, each gives the post a new screening."""
    channel = Channel.objects.get(slug="support-forums")
    dana = demo["dana"]  # manages social-center: may draft on its channels
    post = post_actions.create_post(actor=dana, channel=channel, body=CLINIC)
    assert phone_findings(post_actions.policy_check(post).findings) == []  # the demo's switchboard

    switchboard = DirectoryEntry.objects.get(kind="phone", normalised="6175550142")
    actions.remove_directory_entry(switchboard, actor=demo["admin"])
    assert len(phone_findings(post_actions.policy_check(post).findings)) == 1

    actions.add_directory_entry(actor=demo["admin"], kind="phone", value=CLINIC_PHONE)
    assert phone_findings(post_actions.policy_check(post).findings) == []
    # The directory holds what it held at first again: its first screening is read, not a new one.
    assert RevisionScreening.objects.filter(revision=post.current_revision).count() == 2


def test_the_policy_check_api_leaves_out_the_organizations_own_details(api_as, demo):
    body = "Questions? Call 617-555-0142 or write to press@stmarys.example.org, 1428 Elm Street."
    answer = api_as("bob").post("/api/v1/policy-check/", {"channel": "x-news", "body": body}, format="json")
    assert answer.status_code == 200
    assert [f for f in answer.json()["findings"] if f["rule"] == "sensitive"] == []
    stranger = (
        "Jane Doe is home after her surgery: her daughter's cell is 617-555-0123, jane.doe@gmail.com; "
        "she lives at 12 Oak Street."
    )
    answer = api_as("bob").post("/api/v1/policy-check/", {"channel": "x-news", "body": stranger}, format="json")
    found = [
        f for f in answer.json()["findings"] if f["rule"] == "sensitive" and f["kind"] in ("phone", "email", "address")
    ]
    assert [stranger[f["start"] : f["end"]] for f in found] == ["617-555-0123", "jane.doe@gmail.com", "12 Oak Street"]


# --- the page ---------------------------------------------------------------------------------


def test_everyone_signed_in_reads_the_directory_only_admins_get_the_forms(client_as, demo):
    page = client_as("alice").get("/policies/directory/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "+1 (617) 555-0142" in html and "stmarys.example.org" in html
    assert 'data-testid="directory-add-form"' not in html and 'data-testid="directory-remove"' not in html
    html = client_as("admin").get("/policies/directory/").content.decode()
    assert 'data-testid="directory-add-form"' in html and 'data-testid="directory-remove"' in html


def test_the_page_asks_anonymous_visitors_to_sign_in(client, demo):
    answer = client.get("/policies/directory/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_an_admin_adds_and_removes_entries_on_the_page(client_as, demo):
    admin = client_as("admin")
    answer = admin.post(
        "/policies/directory/add/",
        {"entry-kind": "site", "entry-value": "55 Fruit Street", "entry-label": "North Campus"},
    )
    assert answer.status_code == 302
    entry = DirectoryEntry.objects.get(kind="site", normalised="55 fruit street")
    assert last_event().action == "governance.directory.add"
    page = admin.get("/policies/directory/").content.decode()
    assert "North Campus" in page and "Added to the directory" in page

    answer = admin.post(f"/policies/directory/{entry.pk}/remove/", {"version": "1"})
    assert answer.status_code == 302 and not DirectoryEntry.objects.filter(pk=entry.pk).exists()
    assert last_event().action == "governance.directory.remove"
    assert admin.post(f"/policies/directory/{entry.pk}/remove/", {"version": "1"}).status_code == 404


def test_the_page_shows_what_was_typed_with_the_reason_it_was_refused(client_as, demo):
    answer = client_as("admin").post(
        "/policies/directory/add/", {"entry-kind": "email_domain", "entry-value": "gmail.com", "entry-label": ""}
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "public e-mail provider" in html and 'value="gmail.com"' in html
    assert not DirectoryEntry.objects.filter(normalised="gmail.com").exists()


def test_a_stale_removal_on_the_page_changes_nothing(client_as, demo):
    entry = DirectoryEntry.objects.get(kind="email_domain")
    actions.update_directory_entry(entry, actor=demo["admin"], expected_version=1, label="Renamed")
    answer = client_as("admin").post(f"/policies/directory/{entry.pk}/remove/", {"version": "1"}, follow=True)
    assert "changed while you were looking" in answer.content.decode()
    assert DirectoryEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("username", ["alice", "dana", "carol"])
def test_others_may_not_add_or_remove_on_the_page(client_as, demo, username):
    client = client_as(username)
    entry = DirectoryEntry.objects.get(kind="email_domain")
    count, events = DirectoryEntry.objects.count(), AuditEvent.objects.count()
    add = client.post("/policies/directory/add/", {"entry-kind": "phone", "entry-value": "617-555-0100"})
    remove = client.post(f"/policies/directory/{entry.pk}/remove/", {"version": "1"})
    assert add.status_code == remove.status_code == 403
    assert (DirectoryEntry.objects.count(), AuditEvent.objects.count()) == (count, events)


def test_the_forms_need_the_csrf_token(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["admin"])
    answer = client.post("/policies/directory/add/", {"entry-kind": "phone", "entry-value": "617-555-0100"})
    assert answer.status_code == 403
    assert not DirectoryEntry.objects.filter(normalised="6175550100").exists()
    page = client.get("/policies/directory/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 1 + DirectoryEntry.objects.count()


def test_values_and_labels_are_escaped(client_as, demo):
    evil = "<script>alert(1)</script>"
    actions.add_directory_entry(actor=demo["admin"], kind="address", value=f"9 Evil Street {evil}", label=evil)
    for username in ("admin", "alice"):
        html = client_as(username).get("/policies/directory/").content.decode()
        assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("username", ["admin", "alice"])
def test_the_page_costs_the_same_queries_with_1_or_20_entries(client_as, empty_directory, username):
    client = client_as(username)
    actions.add_directory_entry(actor=None, kind="phone", value="617-555-0100")
    client.get("/policies/directory/")  # warm-up: the session, the templates
    one = queries_of(lambda: client.get("/policies/directory/"))
    for i in range(1, 20):
        actions.add_directory_entry(actor=None, kind="phone", value=f"617-555-{100 + i:04d}")
    twenty = queries_of(lambda: client.get("/policies/directory/"))
    assert twenty.result.content.decode().count('data-testid="directory-row"') == 20
    assert_same_queries(one, twenty)


def test_the_policies_page_and_the_channel_page_link_to_the_directory(client_as, demo):
    assert 'href="/policies/directory/"' in client_as("admin").get("/policies/").content.decode()
    assert 'href="/policies/directory/"' in client_as("alice").get("/channels/patient-stories/").content.decode()


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_adds_through_the_action(client_as, demo):
    admin = client_as("admin")
    answer = admin.post(
        "/admin/governance/directoryentry/add/",
        {"kind": "staff_name", "value": "Priya Shah", "label": "Nurse manager"},
    )
    assert answer.status_code == 302
    entry = DirectoryEntry.objects.get(kind="staff_name", normalised="priya shah")
    assert last_event().action == "governance.directory.add" and last_event().target_id == str(entry.pk)
    refused = admin.post("/admin/governance/directoryentry/add/", {"kind": "email_domain", "value": "gmail.com"})
    assert refused.status_code == 200 and "public e-mail provider" in refused.content.decode()


def test_the_demo_directory_holds_st_marys_own_details(demo):
    kinds = dict.fromkeys(DirectoryEntry.Kind.values, 0)
    for kind in DirectoryEntry.objects.values_list("kind", flat=True):
        kinds[kind] += 1
    assert all(kinds.values()), kinds
    assert DirectoryEntry.objects.filter(kind="email_domain", normalised="stmarys.example.org").exists()
