"""The consent registry: recording a person's consent and correcting it. Revoking one holds the
posts citing it, so it is an approvals action (`approvals.actions.revoke_consent`), which uses the
helpers here for the consent's own part."""

from django.db import transaction

import audit
from accounts import roles
from core.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed

from .. import permissions
from ..models import Channel, Consent
from ..permissions import (
    MANAGE_CHANNEL,
)
from .base import clean

CONSENT_FIELDS = ("person_name", "channels", "granted_on", "expires_on", "document_reference", "notes")


def may_govern_consent(actor, channels) -> bool:
    """Compliance officers, and whoever manages every channel in `channels` (a consent's scope)."""
    if actor is None:
        return True
    if not (actor.is_authenticated and actor.is_active):
        return False
    if roles.is_compliance_officer(actor):
        return True
    channels = list(channels)
    permissions.prefetch(actor, channels)
    return bool(channels) and all(permissions.can(actor, MANAGE_CHANNEL, channel) for channel in channels)


def require_consent_governance(actor, channels) -> None:
    if not may_govern_consent(actor, channels):
        raise PermissionDenied(
            "Only compliance officers and the managers of every channel a consent covers may record or change it."
        )


def _consent_channels(channels) -> list[Channel]:
    unique = list({channel.pk: channel for channel in channels or ()}.values())
    if not unique:
        raise ValidationFailed(errors={"channels": ["Name at least one channel the consent covers."]})
    return sorted(unique, key=lambda channel: channel.slug)


def consent_snapshot(consent, channels) -> dict:
    """What the audit log keeps of a consent: no notes (they may hold details of the person's care)."""
    return {
        "person_name": consent.person_name,
        "channels": [channel.slug for channel in channels],
        "granted_on": consent.granted_on,
        "expires_on": consent.expires_on,
        "document_reference": consent.document_reference,
    }


def _clean_consent(consent) -> None:
    consent.person_name = (consent.person_name or "").strip()
    consent.document_reference = (consent.document_reference or "").strip()
    errors = {}
    if not consent.person_name:
        errors["person_name"] = ["Name the person who consented."]
    if not consent.document_reference:
        errors["document_reference"] = ["Say where the signed consent form is kept."]
    if consent.granted_on and consent.expires_on and consent.expires_on < consent.granted_on:
        errors["expires_on"] = ["A consent cannot expire before it was granted."]
    if errors:
        raise ValidationFailed(errors=errors)
    clean(consent)


def scope_channel_id(channels) -> int | None:
    """The channel an audit event is filed under: the consent's channel when it covers one."""
    return channels[0].pk if len(channels) == 1 else None


@transaction.atomic
def record_consent(
    *,
    actor,
    person_name: str,
    channels,
    granted_on,
    expires_on=None,
    document_reference: str,
    notes: str = "",
):
    """Record a person's written consent to be featured on `channels` from `granted_on` (until
    `expires_on`, or indefinitely). Who: compliance officers, and managers of every channel it
    covers. The person who records it is kept with it."""
    if actor is None:
        raise ValidationFailed("A consent is recorded by a person.", errors={"recorded_by": ["Required."]})
    channels = _consent_channels(channels)
    require_consent_governance(actor, channels)
    consent = Consent(
        person_name=person_name,
        granted_on=granted_on,
        expires_on=expires_on,
        document_reference=document_reference,
        notes=notes or "",
        recorded_by=actor,
    )
    _clean_consent(consent)
    consent.save()
    consent.channels.set(channels)
    audit.record(
        "governance.consent.record",
        actor=actor,
        target=consent,
        channel_id=scope_channel_id(channels),
        data={"after": consent_snapshot(consent, channels), "version": consent.version},
    )
    return consent


def lock_consent(consent, expected_version: int | None):
    # NO KEY UPDATE: a post being saved that cites the consent checks its foreign key at commit
    # with a KEY SHARE lock on this row, which a plain FOR UPDATE would make it wait for.
    locked = Consent.objects.select_for_update(no_key=True).get(pk=consent.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"The consent was changed since you loaded it (version {expected_version}, now {locked.version})."
        )
    return locked


@transaction.atomic
def update_consent(consent, *, actor, expected_version: int | None, **changes):
    """Correct a consent: its person, scope, dates, document reference or notes. A revoked
    consent cannot be changed. Who: compliance officers, and managers of every channel it covers
    before and after the change. Posts citing it are not touched: whether it covers them is
    checked again whenever they are scheduled, published or delivered."""
    consent = lock_consent(consent, expected_version)
    channels = sorted(consent.channels.all(), key=lambda channel: channel.slug)
    require_consent_governance(actor, channels)
    if consent.is_revoked:
        raise Conflict("A revoked consent cannot be changed; record a new one.", code="consent_revoked")
    unknown = set(changes) - set(CONSENT_FIELDS)
    if unknown:
        raise ValidationFailed(errors={name: ["This field cannot be changed here."] for name in sorted(unknown)})
    new_channels = _consent_channels(changes.pop("channels")) if "channels" in changes else channels
    if new_channels != channels:
        require_consent_governance(actor, new_channels)
    before = consent_snapshot(consent, channels)
    notes_before = consent.notes
    for name, value in changes.items():
        if value is None and name in ("person_name", "document_reference", "notes"):
            value = ""
        setattr(consent, name, value)
    _clean_consent(consent)
    after = consent_snapshot(consent, new_channels)
    changed = [name for name in before if before[name] != after[name]]
    notes_changed = consent.notes != notes_before
    if not changed and not notes_changed:
        return consent
    consent.version += 1
    fields = [name for name in changed if name != "channels"]
    consent.save(update_fields=[*fields, *(["notes"] if notes_changed else []), "version"])
    if "channels" in changed:
        consent.channels.set(new_channels)
    audit.record(
        "governance.consent.update",
        actor=actor,
        target=consent,
        channel_id=scope_channel_id(new_channels),
        data={
            "before": {name: before[name] for name in changed},
            "after": {name: after[name] for name in changed},
            "notes_changed": notes_changed,
            "version": consent.version,
        },
    )
    return consent
