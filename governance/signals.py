"""Signals governance sends to the apps above it (approvals), which it may not import.

Both are sent inside the acting transaction, so that what receivers change (held posts,
voided approvals) commits or rolls back with the crisis itself.
"""

from django.dispatch import Signal

# sender=CrisisIncident, incident=<CrisisIncident>, actor=<User>
# `crisis_starting` comes before the crisis's audit event, `crisis_started` after it.
# Receivers of `crisis_starting` lock the rows the crisis will change: every action locks its
# object first and the audit chain head last, and a crisis taking the head first and then a
# post another request has locked (approving it) would deadlock with that request.
crisis_starting = Signal()
crisis_started = Signal()
crisis_ended = Signal()

# sender=Consent, consent=<Consent>, actor=<User>: the consent was revoked. Receivers hold the
# unpublished posts citing it and ask for the published ones to be retracted.
consent_revoked = Signal()
