"""The Mastodon connector: statuses, with their image and its alt text, through the instance's API."""

import time
import urllib.parse

from django.conf import settings

from ..models import ConnectorKind
from .base import Connector, Delivered, Payload, Permanent, Retryable, json_object
from .http import fetch_media, multipart_form, send


class MastodonConnector(Connector):
    """`POST {instance}/api/v1/statuses` (https://docs.joinmastodon.org/methods/statuses/#create)
    with `Authorization: Bearer <token>` and `Idempotency-Key` (Mastodon keeps it for an
    hour and answers a repeated call with the status it already made). Settings: `instance`
    (https://health.social), `visibility` (public, unlisted, private, direct), `language`
    (ISO 639), `spoiler_text` (a content warning for every status; the post's title is used
    when `title_as_spoiler` is set).

    A post with an image (`media_url`) goes out with it: the image is fetched from its approved
    address (`fetch_media`), uploaded with `POST /api/v2/media` (https://docs.joinmastodon.org/methods/media/#v2)
    with the approved alt text as its `description`, awaited while Mastodon processes it
    (202, then `GET /api/v1/media/:id` answers 206 until the attachment has a `url`), and
    attached with `media_ids[]`. Mastodon has no idempotency key for uploads: a repeated
    delivery uploads the image again. The status's key still makes one status (a repeat after
    a lost answer gets the first status, which keeps its first image); the upload left over is
    never attached, and Mastodon deletes unattached media after a day."""

    kind = ConnectorKind.MASTODON
    # The first wait for an upload still processing; the next ones double, up to 5 s.
    MEDIA_POLL_SECONDS = 0.5

    def status_text(self, content: dict) -> str:
        parts = [content.get("body", "").strip()]
        if content.get("link"):
            parts.append(content["link"])
        return "\n\n".join(part for part in parts if part)

    def _headers(self, content_type: str = "") -> dict[str, str]:
        """The access token goes only to the instance: the guarded client follows no redirect."""
        headers = {"Authorization": f"Bearer {self.secret}"}
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def upload_media(self, instance: str, content: dict) -> str:
        """Upload the post's image with its alt text, wait until Mastodon has processed it,
        and return the attachment's id. Exactly the approved address and alt text are used:
        they are part of the content hash recorded as sent."""
        media = fetch_media(content["media_url"])
        fields = {"description": content["media_alt_text"]} if content.get("media_alt_text") else {}
        body, content_type = multipart_form(fields, file_field="file", media=media)
        refused = "Mastodon refused the media: {code}."
        upload = f"{instance}/api/v2/media"
        _, _, answer = send("POST", upload, headers=self._headers(content_type), body=body, refused=refused)
        attachment = json_object(answer)
        media_id = str(attachment.get("id") or "")
        if not media_id:
            raise Retryable("Mastodon answered the media upload without an attachment id.")
        # 200: processed already; 202: `url` stays null until processing ends (206 meanwhile).
        deadline = time.monotonic() + settings.PUBLISHING_MEDIA_PROCESSING_SECONDS
        wait = self.MEDIA_POLL_SECONDS
        while not attachment.get("url"):
            if time.monotonic() + wait > deadline:
                raise Retryable(
                    f"Mastodon was still processing the media after {settings.PUBLISHING_MEDIA_PROCESSING_SECONDS:g} s."
                )
            time.sleep(wait)
            wait = min(wait * 2, 5.0)
            url = f"{instance}/api/v1/media/{urllib.parse.quote(media_id, safe='')}"
            _, _, answer = send("GET", url, headers=self._headers(), refused=refused)
            attachment = json_object(answer)
        return media_id

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        instance = self.settings.get("instance", "").rstrip("/")
        if not instance.startswith(("https://", "http://")):
            raise Permanent("The Mastodon connector has no instance address; set one on the channel.")
        if not self.secret:
            raise Permanent("The Mastodon connector has no access token; set one on the channel.")
        fields = [("status", self.status_text(payload.content))]
        if payload.content.get("media_url"):
            fields.append(("media_ids[]", self.upload_media(instance, payload.content)))
        if self.settings.get("visibility"):
            fields.append(("visibility", self.settings["visibility"]))
        if self.settings.get("language"):
            fields.append(("language", self.settings["language"]))
        spoiler = self.settings.get("spoiler_text") or (
            payload.content.get("title", "") if self.settings.get("title_as_spoiler") else ""
        )
        if spoiler:
            fields.append(("spoiler_text", spoiler))
        headers = {**self._headers("application/x-www-form-urlencoded"), "Idempotency-Key": idempotency_key}
        body = urllib.parse.urlencode(fields).encode()
        _, _, answer = send("POST", f"{instance}/api/v1/statuses", headers=headers, body=body)
        data = json_object(answer)
        if not data.get("id"):
            raise Retryable("Mastodon answered without a status id.")
        return Delivered(remote_id=str(data["id"]), remote_url=str(data.get("url") or data.get("uri") or ""))
