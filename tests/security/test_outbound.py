"""Finding 3 (issue 14): connectors reached internal addresses and leaked their credential.

Every outbound call goes through one guarded client (`core.outbound`): public addresses only,
checked on every resolved address before any TCP connection; no redirect to another host or
down to http, no credential after a redirect; error answers and connection failures become
fixed words, never the remote side's text nor a port-state oracle; changing a connector's
address or kind clears its stored secret. Local listeners record whether anything connected:
with the development switch off nothing does, whatever the spelling of the loopback address;
with it on (`OUTBOUND_ALLOW_PRIVATE_ADDRESSES`, as the fake-platform fixtures do) the same
listeners are reached.
"""

import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import checks

import audit
from approvals.models import Post
from audit import checkpoints
from audit.models import AuditEvent
from core import outbound
from governance.models import Channel
from publishing import credentials, delivery
from publishing.models import ChannelConnector, ConnectorKind, PublishJob
from tests.config.test_settings import manage
from tests.publishing.conftest import TOKEN, mastodon, platform, webhook  # noqa: F401 - fixtures used below
from tests.publishing.test_delivery import approved_post, publish
from tests.publishing.test_worker import Worker, redis_broker, wait_for  # noqa: F401 - a fixture

# Every way of writing "this machine" an assessment tried, and a few more. {port} is the listener's.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "127.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "127.000.000.001",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "0.0.0.0",  # noqa: S104 - on Linux, connecting to 0.0.0.0 reaches the loopback
    "LOCALHOST",
]


class Listener:
    """A TCP listener on 127.0.0.1 and ::1 (one port), recording every connection accepted.
    It answers an HTTP 200 `{}` to whatever arrives, so that a delivery that reaches it succeeds."""

    def __init__(self):
        self.connections: list[tuple] = []
        self.sockets = []
        first = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        first.bind(("127.0.0.1", 0))
        self.port = first.getsockname()[1]
        self.sockets.append(first)
        try:
            six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            six.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            six.bind(("::1", self.port))
            self.sockets.append(six)
        except OSError:  # pragma: no cover - no IPv6 loopback on this machine
            pass
        for sock in self.sockets:
            sock.listen(16)
            sock.settimeout(0.2)
        self.running = True
        self.threads = [threading.Thread(target=self._serve, args=(sock,), daemon=True) for sock in self.sockets]
        for thread in self.threads:
            thread.start()

    def _serve(self, sock):
        while self.running:
            try:
                conn, peer = sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(peer)
            try:
                conn.settimeout(1)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            except OSError:
                pass
            finally:
                conn.close()

    def close(self):
        self.running = False
        for thread in self.threads:
            thread.join(2)
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def configure(slug: str, kind: str, address: str, secret: str) -> None:
    key = "url" if kind == ConnectorKind.WEBHOOK else "instance"
    ChannelConnector.objects.update_or_create(
        channel=Channel.objects.get(slug=slug),
        defaults={"kind": kind, "settings": {key: address}, "secret_token": credentials.encrypt(secret)},
    )


def deliver(post: Post) -> tuple[str, Post]:
    job = PublishJob.objects.get(post=post, revision_id=post.current_revision_id)
    outcome = delivery.deliver(job.pk)
    post.refresh_from_db()
    return outcome, post


# --- Public addresses only, before any connection ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
@pytest.mark.parametrize(
    ("slug", "kind"), [("x-news", ConnectorKind.WEBHOOK), ("mastodon-main", ConnectorKind.MASTODON)]
)
def test_a_connector_pointed_at_the_loopback_never_connects(spelling, slug, kind, listener, demo, settings):
    assert settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES is False  # the guard is on by default in the suite
    configure(slug, kind, f"https://{spelling}:{listener.port}/hook", "channel-credential")
    outcome, post = deliver(publish(approved_post(demo, slug=slug), demo))
    assert listener.connections == []
    assert outcome == "failed" and post.state == "failed"
    assert post.status_reason == f"Not sent: {outbound.AddressRefused.reason}"


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_the_client_refuses_every_spelling_before_connecting(spelling, listener):
    for scheme in ("http", "https"):
        with pytest.raises(outbound.AddressRefused):
            outbound.request("GET", f"{scheme}://{spelling}:{listener.port}/", timeout=2)
    assert listener.connections == []


@pytest.mark.parametrize("spelling", ["127.0.0.1", "localhost", "127.1", "0x7f000001", "2130706433", "[::1]"])
def test_with_the_development_switch_on_the_same_listener_is_reached(spelling, listener, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    answer = outbound.request("GET", f"http://{spelling}:{listener.port}/", timeout=2)
    assert answer.status == 200 and len(listener.connections) == 1


@pytest.mark.django_db
def test_the_webhook_goes_out_to_a_local_fake_only_with_the_switch_on(webhook, demo, settings):  # noqa: F811
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    outcome, post = deliver(publish(approved_post(demo, slug="x-news"), demo))
    assert outcome == "failed" and webhook.requests == []
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    again = approved_post(demo, slug="x-news", body="A second post for the local receiver.")
    outcome, _ = deliver(publish(again, demo))
    assert outcome == "done" and len(webhook.requests) == 1


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # cloud metadata
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104
        "fd00::1",  # IPv6 unique-local
        "fe80::1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:169.254.169.254",
        "224.0.0.1",
    ],
)
def test_internal_ranges_are_not_public(address):
    assert outbound.is_public_address(address) is False


def test_public_addresses_are(settings):
    for address in ("93.184.215.14", "2606:4700:4700::1111", "64:ff9b::5db8:d70e", "::ffff:93.184.215.14"):
        assert outbound.is_public_address(address) is True, address


def test_a_host_with_one_private_address_among_public_ones_is_refused(monkeypatch, listener):
    """Every resolved address is checked, not only the first (a DNS answer may mix them)."""
    real = socket.getaddrinfo

    def mixed(host, port, *args, **kwargs):
        if host == "mixed.example.org":
            public = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))
            return [public, *real("127.0.0.1", port, *args, **kwargs)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    with pytest.raises(outbound.AddressRefused):
        outbound.request("GET", f"http://mixed.example.org:{listener.port}/", timeout=2)
    assert listener.connections == []


def test_no_proxy_is_taken_from_the_environment(monkeypatch, listener, settings):
    """With HTTP(S)_PROXY pointing at a local listener, the request goes to its own address
    (here a closed port, with the switch on), never through the proxy."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{listener.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(outbound.Unreachable):
        outbound.request("GET", f"http://127.0.0.1:{port}/", timeout=1)
    assert listener.connections == []


# --- Redirects and the credential -----------------------------------------------------------


class _Redirector(BaseHTTPRequestHandler):
    location = ""
    seen: list

    def _go(self):
        self.seen.append((self.command, self.path, self.headers.get("Authorization")))
        if self.path.startswith("/final"):
            body = b'{"id": "1", "url": "https://example.org/1"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(302)
        self.send_header("Location", self.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _go  # noqa: N815 - http.server's naming

    def log_message(self, *args):
        pass


def _server(location: str = ""):
    handler = type("Handler", (_Redirector,), {"location": location, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


@pytest.mark.django_db
def test_a_redirect_elsewhere_never_receives_the_mastodon_token(demo, settings):
    """The assessment's case: the instance answers 302 to plain http on another port, which was
    followed with `Authorization: Bearer <token>`. Local servers need the switch on; the
    redirect is refused whatever the addresses."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    elsewhere, elsewhere_handler = _server()
    instance, instance_handler = _server(f"http://127.0.0.1:{elsewhere.server_address[1]}/final")
    try:
        configure("mastodon-main", ConnectorKind.MASTODON, f"http://127.0.0.1:{instance.server_address[1]}", TOKEN)
        outcome, post = deliver(publish(approved_post(demo), demo))
    finally:
        for server in (elsewhere, instance):
            server.shutdown()
            server.server_close()
    assert [seen[2] for seen in instance_handler.seen] == [f"Bearer {TOKEN}"]  # the instance itself, once
    assert elsewhere_handler.seen == []  # nothing, and so no token, reached the other address
    assert outcome == "failed" and post.status_reason.startswith("302 from the platform: a redirect, not followed")


def test_a_followed_redirect_stays_on_the_host_and_drops_the_credential(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    server, handler = _server()
    port = server.server_address[1]
    handler.location = f"http://127.0.0.1:{port}/final"
    try:
        answer = outbound.request(
            "GET",
            f"http://127.0.0.1:{port}/start",
            headers={"Authorization": "Bearer x"},
            timeout=2,
            follow_redirects=True,
        )
        assert answer.status == 200 and answer.url.endswith("/final")
        assert handler.seen == [("GET", "/start", "Bearer x"), ("GET", "/final", None)]

        for location in (
            f"http://localhost:{port}/final",  # another host name
            f"http://127.0.0.1:{port + 1}/final",  # another port
            "ftp://127.0.0.1/final",
            "file:///etc/passwd",
        ):
            handler.location, handler.seen[:] = location, []
            with pytest.raises(outbound.RedirectRefused):
                outbound.request("GET", f"http://127.0.0.1:{port}/start", timeout=2, follow_redirects=True)
            assert len(handler.seen) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_https_never_redirects_down_to_http():
    https = outbound._parse("https://media.example.org/a.png")
    assert not outbound._redirect_allowed(https, outbound._parse("http://media.example.org/a.png"))
    assert not outbound._redirect_allowed(https, outbound._parse("https://other.example.org/a.png"))
    assert outbound._redirect_allowed(https, outbound._parse("https://MEDIA.example.org/b.png"))
    assert outbound._redirect_allowed(outbound._parse("http://media.example.org/"), https)  # an upgrade


# --- What a failure says ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_internal_services_403_body_never_reaches_the_post(mastodon, demo, api_as):  # noqa: F811
    """The assessment saw an internal service's 403 page in `status_reason`."""
    mastodon.fail_next(403)  # its body: {"error": "scripted 403"}
    outcome, post = deliver(publish(approved_post(demo), demo))
    assert outcome == "failed"
    assert post.status_reason == "The platform answered 403 Forbidden: access was refused."
    job = PublishJob.objects.get(post=post)
    shown = api_as("dana").get(f"/api/v1/posts/{post.pk}/deliveries/").json()["results"][0]["last_error"]
    for text in (post.status_reason, job.last_error, shown):
        assert "scripted" not in text
    event = AuditEvent.objects.filter(action="approvals.post.mark_failed", target_id=str(post.pk)).get()
    assert "scripted" not in str(event.data)


@pytest.mark.django_db
def test_connection_failures_read_the_same_whatever_the_port_state(demo, settings):
    """No port-state oracle: a closed port, a port that hangs up and an unknown host all leave
    the same words on the delivery (switch on, so that the local ports are tried at all)."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    settings.PUBLISHING_TIMEOUT_SECONDS = 1
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    hangs_up = socket.socket()
    hangs_up.bind(("127.0.0.1", 0))
    hangs_up.listen()

    def hang_up():
        for _ in range(2):
            conn, _ = hangs_up.accept()
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    errors = set()
    try:
        for number, url in enumerate(
            (
                f"http://127.0.0.1:{closed_port}/hook",
                f"http://127.0.0.1:{hangs_up.getsockname()[1]}/hook",
                "http://no-such-host.invalid/hook",
            )
        ):
            configure("x-news", ConnectorKind.WEBHOOK, url, "webhook-secret")
            post = publish(approved_post(demo, slug="x-news", body=f"Post number {number}."), demo)
            outcome, _ = deliver(post)
            assert outcome == "retry"
            errors.add(PublishJob.objects.get(post=post).last_error)
    finally:
        hangs_up.close()
    assert errors == {"Could not reach the platform."}


# --- A new address or kind clears the secret ------------------------------------------------


@pytest.mark.django_db
def test_changing_the_address_or_kind_clears_the_stored_secret(api_as, demo):
    url = "/api/v1/channels/mastodon-main/connector/"
    dana = api_as("dana")
    body = {"kind": "mastodon", "settings": {"instance": "https://health.social"}, "secret": "the-token"}
    assert dana.put(url, body, format="json").json()["has_secret"] is True

    moved = dana.put(url, {"kind": "mastodon", "settings": {"instance": "https://attacker.example"}}, format="json")
    assert moved.status_code == 200
    assert moved.json()["has_secret"] is False and moved.json()["secret_cleared"] is True
    row = ChannelConnector.objects.get(channel__slug="mastodon-main")
    assert row.secret_token == ""
    event = AuditEvent.objects.filter(action="publishing.connector.configure").order_by("-seq").first()
    assert event.data["secret_cleared"] is True and event.data["after"]["has_secret"] is False

    # A new address with its own secret keeps that one; then a change of kind clears it.
    given = {"kind": "mastodon", "settings": {"instance": "https://other.social"}, "secret": "new-token"}
    again = dana.put(url, given, format="json")
    assert again.json()["has_secret"] is True and again.json()["secret_cleared"] is False
    kind = dana.put(url, {"kind": "webhook", "settings": {"url": "https://other.social"}}, format="json")
    assert kind.json()["has_secret"] is False and kind.json()["secret_cleared"] is True


# --- The switch, in production and for the checkpoint URL ------------------------------------


def test_check_deploy_refuses_the_switch_with_debug_off(settings):
    settings.DEBUG = False
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    found = [m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])]
    assert "publishing.E001" in found
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    found = [m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])]
    assert "publishing.E001" not in found


def test_manage_check_deploy_fails_under_production_settings_with_the_switch_on():
    production = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "clearpost.example.org",
        "AUDIT_CHECKPOINT_KEY": secrets.token_urlsafe(48),
        "AUDIT_CHECKPOINT_FILE": "/var/lib/clearpost/audit-checkpoints.jsonl",
    }
    on = manage("check", "--deploy", "--fail-level", "WARNING", OUTBOUND_ALLOW_PRIVATE_ADDRESSES="true", **production)
    assert on.returncode != 0 and "publishing.E001" in on.stdout + on.stderr
    off = manage("check", "--deploy", "--fail-level", "WARNING", OUTBOUND_ALLOW_PRIVATE_ADDRESSES="false", **production)
    assert "publishing.E001" not in off.stdout + off.stderr


@pytest.mark.django_db
def test_the_checkpoint_url_reaches_a_private_address_only_when_the_operator_allows_it(listener, settings, tmp_path):
    settings.AUDIT_CHECKPOINTS = True
    settings.AUDIT_CHECKPOINT_KEY = "outbound-test-checkpoint-key-0123456789abcdef"
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.AUDIT_CHECKPOINT_URL = f"http://0x7f000001:{listener.port}/checkpoints"
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True  # the connectors' switch does not open the checkpoint URL
    audit.record("tests.thing.happen", actor=None, data={"n": 1})
    with pytest.raises(checkpoints.CheckpointExportError, match="not a public"):
        checkpoints.write_checkpoint()
    assert listener.connections == []
    settings.AUDIT_CHECKPOINT_URL_ALLOW_PRIVATE = True
    audit.record("tests.thing.happen", actor=None, data={"n": 2})
    checkpoints.write_checkpoint()
    assert len(listener.connections) == 1


# --- Production-like: a real worker, DEBUG off, the guard as deployed -------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_never_connects_to_the_loopback_by_any_spelling(
    listener,
    redis_broker,  # noqa: F811 - the fixture
    tmp_path,
    demo,
    settings,
):
    """The Celery worker (its own process, production settings: DEBUG off, no switch) delivers
    posts whose Mastodon connector points at the loopback, spelled every way: each post fails
    with the fixed reason and the listener never sees a connection."""
    assert settings.DEBUG is False and settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES is False
    worker = Worker(tmp_path / "worker.log")
    worker.start()
    try:
        for spelling in LOOPBACK_SPELLINGS:
            configure("mastodon-main", ConnectorKind.MASTODON, f"https://{spelling}:{listener.port}", TOKEN)
            post = publish(approved_post(demo, body=f"Flu clinic update via {spelling}."), demo)
            failed = wait_for(
                lambda post=post: Post.objects.filter(pk=post.pk, state="failed").first(),
                timeout=30,
                what=f"the delivery to {spelling}",
            )
            assert failed.status_reason == f"Not sent: {outbound.AddressRefused.reason}", spelling
    finally:
        worker.stop()
    assert listener.connections == []
