"""Signals for what happens to an account.

`accounts` is the lowest app and does not import `audit`; the audit app listens to these
(audit/signals.py) and records each one inside the transaction of the action that sent it.
"""

from django.dispatch import Signal

# user, tokens_revoked (int)
password_changed = Signal()
# user: the current password typed on the password page was wrong (counted by the lockout)
password_check_failed = Signal()
# user, device
otp_device_confirmed = Signal()
# user, device
otp_verified = Signal()
# user, device, throttled (bool): a wrong or refused one-time code
otp_verification_failed = Signal()
# user, device (the StaticDevice), count (int: new codes), voided (int: earlier codes no longer valid)
backup_codes_generated = Signal()
# user, device (the StaticDevice), remaining (int): a backup code was used for the second step
backup_code_used = Signal()
# user, count (int), reason ("password_changed", "deactivated", "role_changed", "signed_out"),
# actor (None for a consequence of a change to the account): the user's API tokens were deleted
api_tokens_revoked = Signal()

# --- Accounts administered by someone else (the admin's user and certification pages) -------
# user, actor, fields (dict: the new account's fields, never a password), usable_password (bool)
account_created = Signal()
# user, actor, before (dict), after (dict): only the fields that changed
account_updated = Signal()
# user, actor, active (bool): the account was activated (True) or deactivated (False)
account_activation_changed = Signal()
# user, actor, usable (bool: False when password sign-in was turned off instead)
password_set_by_admin = Signal()
# user, actor, device (its persistent id): a two-factor device removed by an administrator
otp_device_removed = Signal()
# certification, actor, created (bool), before (dict), after (dict)
certification_saved = Signal()
