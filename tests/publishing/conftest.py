"""A local HTTP server that plays Mastodon (and a webhook receiver) for the connectors.

It follows https://docs.joinmastodon.org/methods/statuses/#create: `POST /api/v1/statuses`
with a bearer token, form fields, and `Idempotency-Key` (a repeated key answers the status
it already made). Tests script failures by queueing responses: `server.fail_next(503)`.
Media follow https://docs.joinmastodon.org/methods/media/: `POST /api/v2/media` (multipart
`file` and `description`) answers 200, or 202 while processing when
`server.processing_polls` is set; `GET /api/v1/media/:id` then answers 206 that many times
and 200 with the attachment's `url`. `media_files` serves the images the posts point at.
"""

import email.parser
import email.policy
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import standardwebhooks

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
        self.media: dict[str, dict] = {}  # attachment id -> what was uploaded, and its state
        self.processing_polls = 0  # uploads answer 202, then 206 this many times before ready
        self.polls: list[str] = []  # every GET /api/v1/media/:id, in order
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

    def _authorized(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {TOKEN}"

    def _attachment(self, media: dict) -> dict:
        ready = media["polls_left"] <= 0
        return {
            "id": media["id"],
            "type": "image",
            "url": f"{self.server.base}/media/{media['id']}.png" if ready else None,
            "preview_url": f"{self.server.base}/media/{media['id']}-small.png",
            "description": media["description"],
        }

    def _upload_media(self, raw: bytes):
        if not self._authorized():
            return self._answer(401, {"error": "The access token is invalid"})
        head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        if "file" not in parts:
            return self._answer(422, {"error": "Validation failed: File can't be blank"})
        description = parts["description"].get_payload(decode=True).decode() if "description" in parts else None
        with self.server.lock:
            media_id = str(110000000000000000 + len(self.server.media) + 1)
            media = self.server.media[media_id] = {
                "id": media_id,
                "data": parts["file"].get_payload(decode=True),
                "content_type": parts["file"].get_content_type(),
                "filename": parts["file"].get_filename(),
                "description": description,
                "polls_left": self.server.processing_polls,
            }
        return self._answer(202 if media["polls_left"] > 0 else 200, self._attachment(media))

    def do_GET(self):
        if not self.path.startswith("/api/v1/media/"):
            return self._answer(404, {"error": "Not found"})
        if not self._authorized():
            return self._answer(401, {"error": "The access token is invalid"})
        with self.server.lock:
            self.server.polls.append(self.path)
            media = self.server.media.get(self.path.removeprefix("/api/v1/media/"))
            if media is None:
                return self._answer(404, {"error": "Record not found"})
            media["polls_left"] -= 1
            attachment = self._attachment(media)
        return self._answer(206 if attachment["url"] is None else 200, attachment)

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
        if self.path == "/api/v2/media":
            return self._upload_media(raw)
        if self.path == "/api/v1/statuses":
            if not self._authorized():
                return self._answer(401, {"error": "The access token is invalid"})
            values = urllib.parse.parse_qs(raw.decode())
            fields = {k: v[0] for k, v in values.items()}
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
                    "media_attachments": [
                        self._attachment(self.server.media[media_id]) for media_id in values.get("media_ids[]", [])
                    ],
                }
                self.server.statuses[status_id] = status
                if key:
                    self.server.by_key[key] = status_id
            if self.server.hold_answers is not None:
                self.server.hold_answers.wait(30)
            return self._answer(200, status)
        if self.path == "/hook":
            # Standard Webhooks, checked with the reference library; and the deprecated header.
            try:
                standardwebhooks.Webhook(WEBHOOK_SECRET.encode()).verify(raw, dict(self.headers))
            except standardwebhooks.WebhookVerificationError:
                return self._answer(401, {"error": "bad signature"})
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
def platform(settings):
    """The fake platform listens on 127.0.0.1, which the outbound client refuses unless private
    addresses are allowed: the fixture allows them (the guard stays on for every other test)."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
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


class MediaFiles(ThreadingHTTPServer):
    """Where posts' images live: `files[path] = (bytes, content type)`; other paths are 404."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), MediaFileHandler)
        self.files: dict[str, tuple[bytes, str]] = {}
        self.send_length = True  # False: no Content-Length (the body ends with the connection)
        self.hits: list[str] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class MediaFileHandler(BaseHTTPRequestHandler):
    server: MediaFiles

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.hits.append(self.path)
        if self.path.startswith("/moved/"):
            self.send_response(302)
            self.send_header("Location", urllib.parse.unquote(self.path.removeprefix("/moved/")))
            self.send_header("Content-Length", "0")
            return self.end_headers()
        if self.path not in self.server.files:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            return self.end_headers()
        data, content_type = self.server.files[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if self.server.send_length:
            self.send_header("Content-Length", str(len(data)))
        else:
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def media_files(settings):
    """A local server for the posts' images. It listens on 127.0.0.1, which the outbound client
    refuses unless private addresses are allowed: the fixture allows them."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    server = MediaFiles()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
