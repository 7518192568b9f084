"""The organization directory: adding, changing and removing its entries (the organization's own
phone numbers, e-mail domains, addresses, sites and staff names, which the sensitive screen
never reports as a private person's).

The directory is organization-wide, like an organization policy: portal admins change it. Each
change is audited (`governance.directory.add`, `.update`, `.remove`) with the entry's kind,
value and label. A change makes every later screening different (`engine.screen_key` records
the directory's fingerprint), so posts are screened again under the new directory.
"""

from django.db import IntegrityError, transaction

import audit
from core.errors import NotVisible, StaleVersion, ValidationFailed

from ..models import DirectoryEntry
from ..rules import directory as org_directory
from .base import clean, require_portal_admin

KINDS = DirectoryEntry.Kind.values


def _snapshot(entry: DirectoryEntry) -> dict:
    return {"kind": entry.kind, "value": entry.value, "normalised": entry.normalised, "label": entry.label}


def _normalised(kind: str, value: str) -> str:
    try:
        return org_directory.normalised(kind, value)
    except ValueError as exc:
        raise ValidationFailed(errors={"value": [str(exc)]}) from None


def _check_label(kind: str, label: str) -> None:
    if kind == DirectoryEntry.Kind.SITE and not label:
        raise ValidationFailed(errors={"label": ["Name the site, e.g. “North Campus”."]})


def _save(entry: DirectoryEntry) -> None:
    """Validated, then saved; an entry of the same kind that compares the same (typed by someone
    else at the same moment too) is a field error, not a server error."""
    duplicate = DirectoryEntry.objects.filter(kind=entry.kind, normalised=entry.normalised).exclude(pk=entry.pk)
    if duplicate.exists():
        raise ValidationFailed(
            errors={"value": [f"The directory has this {entry.get_kind_display().lower()} already."]}
        )
    clean(entry, validate_constraints=False)  # the constraint is the query above, said in words
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ValidationFailed(
            errors={"value": [f"The directory has this {entry.get_kind_display().lower()} already."]}
        ) from None


@transaction.atomic
def add_directory_entry(*, actor, kind: str, value: str, label: str = "") -> DirectoryEntry:
    """Add one of the organization's own contact details or staff names to its directory.

    Who: portal admins. `value` is kept as entered; what the screen compares is derived from it
    (`rules.directory.normalised`); a value that cannot be one of `kind` is a field error."""
    require_portal_admin(actor)
    if kind not in KINDS:
        raise ValidationFailed(errors={"kind": [f"Choose one of {', '.join(KINDS)}."]})
    label = " ".join((label or "").split())
    _check_label(kind, label)
    entry = DirectoryEntry(kind=kind, value=" ".join(value.split()), normalised=_normalised(kind, value), label=label)
    _save(entry)
    audit.record("governance.directory.add", actor=actor, target=entry, data={"after": _snapshot(entry)})
    return entry


def _lock(entry: DirectoryEntry, expected_version: int | None) -> DirectoryEntry:
    """The entry's row, locked; a stale version is refused before a missing permission (API.md)."""
    entry = DirectoryEntry.objects.select_for_update().filter(pk=entry.pk).first()
    if entry is None:
        raise NotVisible("No such directory entry.")
    if expected_version is not None and entry.version != expected_version:
        raise StaleVersion(
            f"This directory entry changed since you loaded it (version {expected_version}, now {entry.version})."
        )
    return entry


@transaction.atomic
def update_directory_entry(
    entry: DirectoryEntry,
    *,
    actor,
    expected_version: int | None,
    value: str | None = None,
    label: str | None = None,
) -> DirectoryEntry:
    """Correct an entry's value or label (its kind is fixed: remove it and add another).

    Who: portal admins. Bumps `version`; nothing changed, nothing saved or audited."""
    entry = _lock(entry, expected_version)
    require_portal_admin(actor)
    before = _snapshot(entry)
    if value is not None:
        entry.value = " ".join(value.split())
        entry.normalised = _normalised(entry.kind, value)
    if label is not None:
        entry.label = " ".join(label.split())
    _check_label(entry.kind, entry.label)
    after = _snapshot(entry)
    if after == before:
        return entry
    entry.version += 1
    _save(entry)
    audit.record(
        "governance.directory.update",
        actor=actor,
        target=entry,
        data={"version": entry.version, "before": before, "after": after},
    )
    return entry


@transaction.atomic
def remove_directory_entry(entry: DirectoryEntry, *, actor, expected_version: int | None = None) -> None:
    """Take an entry out of the directory: from now on the screen reports it like anyone's.

    Who: portal admins. The row is deleted; the audit event keeps what it said."""
    entry = _lock(entry, expected_version)
    require_portal_admin(actor)
    pk, before = entry.pk, _snapshot(entry)
    entry.delete()
    audit.record(
        "governance.directory.remove",
        actor=actor,
        target_type=DirectoryEntry._meta.label_lower,
        target_id=pk,
        data={"before": before},
    )
