"""Signals governance sends to the apps above it (approvals), which it may not import.

Both are sent inside the acting transaction, so that what receivers change (held posts,
voided approvals) commits or rolls back with the crisis itself.
"""

from django.dispatch import Signal

# sender=CrisisIncident, incident=<CrisisIncident>, actor=<User>
crisis_started = Signal()
crisis_ended = Signal()
