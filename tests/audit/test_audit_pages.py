"""The audit log in the browser: access, filters, keyset paging, streamed exports, verify, evidence."""

import csv
import io
import json
import re

import pytest

import audit
from approvals import actions
from audit.models import AuditEvent
from governance.models import Channel
from tests.support.queries import assert_same_queries, numbered, queries_of
from tests.support.tamper import tamper

pytestmark = pytest.mark.django_db

LOG = "/audit/"


@pytest.fixture
def carol(client, demo):
    client.force_login(demo["carol"])
    return client


def seqs(response) -> list[int]:
    return [int(s) for s in re.findall(r'data-testid="audit-row" data-seq="(\d+)"', response.content.decode())]


def streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_only_compliance_officers(client, demo):
    for username in ("alice", "bob", "dana", "rachel"):
        client.force_login(demo[username])
        for url in (LOG, f"{LOG}export.csv", f"{LOG}export.jsonl", f"{LOG}posts/1/"):
            assert client.get(url).status_code == 403, (username, url)
        assert client.post(f"{LOG}verify/").status_code == 403
        assert 'data-testid="nav-audit"' not in client.get("/crisis/").content.decode()
    client.logout()
    assert client.get(LOG).status_code == 302  # to the login page
    client.force_login(demo["carol"])
    page = client.get(LOG)
    assert page.status_code == 200 and 'data-testid="nav-audit"' in page.content.decode()


def test_filters(carol, demo):
    x_news = Channel.objects.get(slug="x-news")
    incident = actions.start_crisis(actor=demo["dana"], channel=x_news, reason="Storm")
    by_dana = seqs(carol.get(LOG, {"actor": "dana"}))
    assert by_dana and set(AuditEvent.objects.filter(seq__in=by_dana).values_list("actor_label", flat=True)) == {"dana"}
    started = seqs(carol.get(LOG, {"action": "governance.crisis.start"}))
    assert started == list(AuditEvent.objects.filter(action="governance.crisis.start").values_list("seq", flat=True))
    namespace = seqs(carol.get(LOG, {"action": "governance.crisis."}))
    assert set(started) <= set(namespace)
    on_channel = seqs(carol.get(LOG, {"channel": "x-news"}))
    assert on_channel and set(AuditEvent.objects.filter(seq__in=on_channel).values_list("channel_id", flat=True)) == {
        x_news.pk
    }
    target = seqs(carol.get(LOG, {"target_type": "governance.crisisincident", "target_id": incident.pk}))
    assert len(target) == 1
    assert seqs(carol.get(LOG, {"since": "2000-01-01", "until": "2000-01-02"})) == []
    assert seqs(carol.get(LOG, {"since": "2000-01-01"}))
    bad = carol.get(LOG, {"since": "not a date"})
    assert bad.status_code == 400 and 'data-testid="audit-row"' not in bad.content.decode()
    reversed_dates = carol.get(LOG, {"since": "2020-02-02", "until": "2020-01-01"})
    assert reversed_dates.status_code == 400


def test_keyset_paging_newest_first(carol):
    for i in range(130):
        audit.record("tests.page.event", actor=None, data={"n": i})
    ours = list(AuditEvent.objects.filter(action="tests.page.event").order_by("-seq").values_list("seq", flat=True))
    first = carol.get(LOG, {"action": "tests.page.event"})
    html = first.content.decode()
    assert seqs(first) == ours[:50]
    assert 'data-testid="audit-newer"' not in html
    older = re.search(r'href="\?([^"]+)" rel="next" data-testid="audit-older"', html).group(1).replace("&amp;", "&")
    assert "action=tests.page.event" in older and f"before={ours[49]}" in older
    second = carol.get(f"{LOG}?{older}")
    assert seqs(second) == ours[50:100]
    html = second.content.decode()
    older = re.search(r'href="\?([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    newer = re.search(r'href="\?([^"]+)" rel="prev"', html).group(1).replace("&amp;", "&")
    third = carol.get(f"{LOG}?{older}")
    assert seqs(third) == ours[100:]
    assert 'data-testid="audit-older"' not in third.content.decode()
    assert seqs(carol.get(f"{LOG}?{newer}")) == ours[:50]


def test_paging_never_offsets_or_counts(carol):
    for i in range(60):
        audit.record("tests.page.event", actor=None, data={"n": i})
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[10]
    page = queries_of(lambda: carol.get(LOG, {"before": before}))
    on_events = [sql.upper() for sql in page.sql if '"audit_auditevent"' in sql]
    assert len(on_events) == 1, numbered(page.sql)
    assert "OFFSET" not in on_events[0] and "COUNT(" not in on_events[0] and '"SEQ" < ' in on_events[0]


def test_exports_contain_the_filtered_events_only(carol, demo):
    x_news = Channel.objects.get(slug="x-news")
    actions.start_crisis(actor=demo["dana"], channel=x_news, reason="=cmd|' /C calc'!A0")
    audit.record("tests.other.event", actor=None, data={"reason": "+1 and @SUM(A1)"})
    wanted = list(
        AuditEvent.objects.filter(action="governance.crisis.start").order_by("seq").values_list("seq", flat=True)
    )

    response = carol.get(f"{LOG}export.csv", {"action": "governance.crisis.start"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(streamed(response))))
    assert [int(r["seq"]) for r in rows] == wanted
    assert rows[-1]["summary"] == "'=cmd|' /C calc'!A0"
    assert rows[-1]["actor"] == "dana" and rows[-1]["channel"] == "x-news"
    assert json.loads(rows[-1]["data"])["reason"] == "=cmd|' /C calc'!A0"

    everything = list(csv.reader(io.StringIO(streamed(carol.get(f"{LOG}export.csv")))))
    assert len(everything) == AuditEvent.objects.count() + 1
    for row in everything[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row

    response = carol.get(f"{LOG}export.jsonl", {"action": "governance.crisis.start"})
    assert response.status_code == 200 and response["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in streamed(response).splitlines()]
    assert [line["seq"] for line in lines] == wanted
    assert lines[-1]["data"]["reason"] == "=cmd|' /C calc'!A0" and lines[-1]["actor"] == "dana"
    assert lines[-1]["hash"] == AuditEvent.objects.get(seq=wanted[-1]).hash

    assert carol.get(f"{LOG}export.csv", {"since": "nope"}).status_code == 400


def test_exports_stream_in_chunks(carol):
    for i in range(30):
        audit.record("tests.page.event", actor=None, data={"n": i})
    export = queries_of(lambda: streamed(carol.get(f"{LOG}export.jsonl")))
    assert export.result.count("\n") == AuditEvent.objects.count()
    # One query for the events however many there are (a server-side cursor on PostgreSQL),
    # and the export's own audit event (an INSERT).
    assert sum('"audit_auditevent"' in sql for sql in export.sql) == 2, numbered(export.sql)


def test_event_data_is_escaped(carol, demo):
    evil = "<script>alert(1)</script>"
    actions.start_crisis(actor=demo["dana"], channel=Channel.objects.get(slug="x-news"), reason=evil)
    html = carol.get(LOG).content.decode()
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    lines = streamed(carol.get(f"{LOG}export.jsonl")).splitlines()
    assert any(json.loads(line)["data"].get("reason") == evil for line in lines)


def test_verify_ok_then_broken(carol):
    for i in range(5):
        audit.record("tests.page.event", actor=None, data={"n": i})
    response = carol.post(f"{LOG}verify/")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-ok="true"' in html and "The chain is intact" in html
    checked = AuditEvent.objects.count() - 1  # the walk is recorded after it
    assert f"{checked} events checked" in html
    verified = AuditEvent.objects.order_by("-seq").first()
    assert verified.action == "audit.log.verified" and verified.actor_label == "carol"
    assert verified.data == {"ok": True, "checked": checked, "first_broken_seq": None}

    partial = carol.post(f"{LOG}verify/", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="verify-result"')

    target = AuditEvent.objects.filter(action="tests.page.event").order_by("seq")[2].seq
    tamper("UPDATE audit_auditevent SET data = %s WHERE seq = %s", ['{"n": 99}', target])
    html = carol.post(f"{LOG}verify/").content.decode()
    assert 'data-ok="false"' in html and f'data-first-broken="{target}"' in html
    assert f"broken at event #{target}" in html


def test_evidence_of_a_published_post(carol, demo):
    x_news = Channel.objects.get(slug="x-news")
    bob, ray = demo["bob"], demo["ray"]
    post = actions.create_post(actor=bob, channel=x_news, body="Flu clinic <b>open</b> on Monday.")
    post = actions.submit(post, actor=bob, expected_version=post.version)
    post = actions.approve(post, actor=ray, expected_version=post.version)
    post = actions.publish_now(post, actor=ray, expected_version=post.version)
    approved_hash = post.current_revision.content_hash
    post = actions.mark_published(
        post,
        actor=None,
        remote_id="1800000000000000001",
        remote_url="https://x.com/StMarysNews/status/1800000000000000001",
        sent_hash=approved_hash,
    )
    response = carol.get(f"{LOG}posts/{post.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<code class="hash" data-testid="approved-hash">{approved_hash}</code>' in html
    assert f'<code class="hash" data-testid="sent-hash">{approved_hash}</code>' in html
    assert "Sent exactly what was approved" in html
    assert "1800000000000000001" in html and 'href="https://x.com/StMarysNews/status/1800000000000000001"' in html
    assert (
        html.count('data-testid="evidence-event"')
        == AuditEvent.objects.filter(target_type="approvals.post", target_id=str(post.pk)).count()
    )
    assert carol.get(f"{LOG}posts/999999/").status_code == 404
    # The log links each post event to its evidence.
    assert f'href="/audit/posts/{post.pk}/"' in carol.get(LOG, {"target_id": post.pk}).content.decode()


def test_evidence_refuses_unsafe_links(carol, demo):
    audit.record(
        "approvals.post.mark_published",
        actor=None,
        target_type="approvals.post",
        target_id=424242,
        data={"remote_url": "javascript:alert(1)", "remote_id": "x", "sent_hash": "abc"},
    )
    html = carol.get(f"{LOG}posts/424242/").content.decode()
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


def test_audit_pages_issue_a_constant_number_of_queries(carol, demo):
    def measure(url, **params):
        measured = queries_of(lambda: carol.get(url, params))
        assert measured.result.status_code == 200
        return measured

    post = actions.create_post(actor=demo["bob"], channel=Channel.objects.get(slug="x-news"), body="One.")
    few = [measure(LOG), measure(LOG, actor="bob"), measure(f"{LOG}posts/{post.pk}/")]
    for i in range(120):
        audit.record("tests.page.event", actor=demo["bob"], data={"n": i})
    for _ in range(10):
        post = actions.edit_post(post, actor=demo["bob"], expected_version=post.version, body=f"Edit {_}")
    many = [measure(LOG), measure(LOG, actor="bob"), measure(f"{LOG}posts/{post.pk}/")]
    for page, before, after in zip(["log", "log by actor", "post's log"], few, many, strict=True):
        assert_same_queries(before, after, what=page)


def test_exports_are_recorded_with_their_filters(carol):
    streamed(carol.get(f"{LOG}export.csv", {"action": "approvals.", "actor": ""}))
    streamed(carol.get(f"{LOG}export.jsonl"))
    exports = list(AuditEvent.objects.filter(action="audit.log.exported").order_by("seq"))
    assert [(e.actor_label, e.data) for e in exports] == [
        ("carol", {"format": "csv", "filters": {"action": "approvals."}}),
        ("carol", {"format": "jsonl", "filters": {}}),
    ]
