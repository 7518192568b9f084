"""A local HTTP server that plays Mastodon (and a webhook receiver) for the connectors.

It follows https://docs.joinmastodon.org/methods/statuses/#create: `POST /api/v1/statuses`
with a bearer token, form fields, and `Idempotency-Key` (a repeated key answers the status
it already made). Tests script failures by queueing responses: `server.fail_next(503)`.
"""

import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from governance.models import Channel
from publishing import credentials
from publishing.models import ChannelConnector, ConnectorKind

TOKEN = "mastodon-test-token"
WEBHOOK_SECRET = "webhook-test-secret"


class FakePlatform(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # a batch's calls arrive side by side

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.statuses: dict[str, dict] = {}  # id -> status
        self.by_key: dict[str, str] = {}  # Idempotency-Key -> id
        self.requests: list[dict] = []  # every POST received, in order
        self.scripted: list[tuple[int, dict]] = []  # (status, headers) to answer next
        self.delay = 0.0
        self.hold_answers = None  # a threading.Event: make the status, then wait for it before answering

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def fail_next(self, status: int, **headers) -> None:
        self.scripted.append((status, headers))


class Handler(BaseHTTPRequestHandler):
    server: FakePlatform

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name.replace("_", "-"), str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        import time

        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        record = {"path": self.path, "headers": dict(self.headers), "body": raw, "key": key}
        if self.server.delay:
            time.sleep(self.server.delay)
        with self.server.lock:
            self.server.requests.append(record)
            scripted = self.server.scripted.pop(0) if self.server.scripted else None
        if scripted:
            status, headers = scripted
            return self._answer(status, {"error": f"scripted {status}"}, headers)
        if self.path == "/api/v1/statuses":
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._answer(401, {"error": "The access token is invalid"})
            fields = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
            with self.server.lock:
                if key and key in self.server.by_key:
                    return self._answer(200, self.server.statuses[self.server.by_key[key]])
                status_id = str(109000000000000000 + len(self.server.statuses) + 1)
                status = {
                    "id": status_id,
                    "url": f"{self.server.base}/@stmarys/{status_id}",
                    "content": fields.get("status", ""),
                    "visibility": fields.get("visibility", "public"),
                    "spoiler_text": fields.get("spoiler_text", ""),
                    "language": fields.get("language"),
                }
                self.server.statuses[status_id] = status
                if key:
                    self.server.by_key[key] = status_id
            if self.server.hold_answers is not None:
                self.server.hold_answers.wait(30)
            return self._answer(200, status)
        if self.path == "/hook":
            expected = hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
            if self.headers.get("X-Clearpost-Signature") != f"sha256={expected}":
                return self._answer(401, {"error": "bad signature"})
            with self.server.lock:
                if key not in self.server.by_key:
                    self.server.by_key[key] = f"hook-{len(self.server.by_key) + 1}"
                    self.server.statuses[self.server.by_key[key]] = json.loads(raw)
            return self._answer(201, {"id": self.server.by_key[key], "url": f"{self.server.base}/p/{key}"})
        return self._answer(404, {"error": "Not found"})


@pytest.fixture
def platform():
    server = FakePlatform()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def mastodon(platform, demo):
    """mastodon-main delivers to the fake instance."""
    channel = Channel.objects.get(slug="mastodon-main")
    ChannelConnector.objects.update_or_create(
        channel=channel,
        defaults={
            "kind": ConnectorKind.MASTODON,
            "settings": {"instance": platform.base, "visibility": "unlisted", "language": "en"},
            "secret_token": credentials.encrypt(TOKEN),
        },
    )
    return platform


@pytest.fixture
def webhook(platform, demo):
    """x-news delivers to the fake webhook receiver."""
    channel = Channel.objects.get(slug="x-news")
    ChannelConnector.objects.update_or_create(
        channel=channel,
        defaults={
            "kind": ConnectorKind.WEBHOOK,
            "settings": {"url": f"{platform.base}/hook"},
            "secret_token": credentials.encrypt(WEBHOOK_SECRET),
        },
    )
    return platform
