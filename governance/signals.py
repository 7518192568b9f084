"""Signals governance sends to the apps above it (approvals), which it may not import.

Both are sent inside the acting transaction, so that what receivers change (held posts,
voided approvals) commits or rolls back with the crisis itself.
"""

from django.dispatch import Signal

# sender=CrisisIncident, incident=<CrisisIncident>, actor=<User>
crisis_started = Signal()
crisis_ended = Signal()

# sender=Consent, consent=<Consent>, actor=<User>: the consent was revoked. Receivers hold the
# unpublished posts citing it and ask for the published ones to be retracted.
consent_revoked = Signal()
