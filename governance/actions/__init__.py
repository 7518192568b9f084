"""Every change to departments, channels, grants, posting policies and consents, each atomic and
audited: `org` (departments, channels, members and roles), `grants`, `policies`, `consent`.

Crises and the revoking of a consent change posts too, so they are approvals actions
(`approvals.actions.start_crisis`, `end_crisis`, `revoke_consent`).
"""

from .consent import CONSENT_FIELDS, may_govern_consent, record_consent, update_consent
from .grants import grant_permission, revoke_permission
from .org import (
    CHANNEL_EDITABLE_FIELDS,
    DEPARTMENT_EDITABLE_FIELDS,
    add_department_member,
    archive_channel,
    assign_role,
    create_channel,
    create_department,
    remove_department_member,
    remove_role,
    restore_channel,
    transfer_channel,
    update_channel,
    update_department,
)
from .policies import save_policy

__all__ = [
    "CHANNEL_EDITABLE_FIELDS",
    "CONSENT_FIELDS",
    "DEPARTMENT_EDITABLE_FIELDS",
    "add_department_member",
    "archive_channel",
    "assign_role",
    "create_channel",
    "create_department",
    "grant_permission",
    "may_govern_consent",
    "record_consent",
    "remove_department_member",
    "remove_role",
    "restore_channel",
    "revoke_permission",
    "save_policy",
    "transfer_channel",
    "update_channel",
    "update_consent",
    "update_department",
]
