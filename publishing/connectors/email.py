"""The e-mail connector: newsletters go to their list through Django's e-mail backend (SMTP,
not the connectors' HTTP client)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ..models import ConnectorKind
from .base import Connector, Delivered, Payload, Permanent, Retryable


class EmailConnector(Connector):
    """Newsletters: the post goes to the channel's list (`settings["recipients"]`, sent as
    Bcc to `settings["to"]` or the sender) through Django's e-mail backend. The Message-ID is
    derived from the idempotency key, so that list software can drop a repeat."""

    kind = ConnectorKind.EMAIL

    def publish(self, payload: Payload, *, idempotency_key: str) -> Delivered:
        recipients = [address for address in self.settings.get("recipients", []) if address]
        if not recipients:
            raise Permanent("The newsletter has no recipients; add the list's address on the channel.")
        content = payload.content
        body = content["body"] + (f"\n\n{content['link']}" if content.get("link") else "")
        # The same on every attempt (make_msgid would add the time and a random part): a
        # repeat after a crash between the send and the database update carries the first
        # one's Message-ID, which list software and mail stores drop as a duplicate.
        message_id = f"<{idempotency_key}@clearpost>"
        message = EmailMessage(
            # One line: a CR or LF in a title would be refused as a header injection (BadHeaderError).
            subject=" ".join((content.get("title") or content["body"][:60]).split()),
            body=body,
            from_email=self.settings.get("from") or settings.DEFAULT_FROM_EMAIL,
            to=[self.settings.get("to") or settings.DEFAULT_FROM_EMAIL],
            bcc=recipients,
            headers={"Message-ID": message_id},
            connection=get_connection(fail_silently=False, timeout=settings.PUBLISHING_TIMEOUT_SECONDS),
        )
        try:
            message.send()
        except (OSError, TimeoutError) as exc:  # SMTP down or slow: try again later
            raise Retryable(f"The mail server did not accept the newsletter: {exc}") from exc
        return Delivered(remote_id=message_id)
