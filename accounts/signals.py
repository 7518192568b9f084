"""Signals for what happens to an account.

`accounts` is the lowest app and does not import `audit`; the audit app listens to these
(audit/signals.py) and records each one inside the transaction of the action that sent it.
"""

from django.dispatch import Signal

# user, tokens_revoked (int)
password_changed = Signal()
# user, device
otp_device_confirmed = Signal()
# user, device
otp_verified = Signal()
# user, device, throttled (bool): a wrong or refused one-time code
otp_verification_failed = Signal()
