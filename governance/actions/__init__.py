"""Every change to departments, channels, grants, posting policies, consents and the organization
directory, each atomic and audited: `org` (departments, channels, members and roles), `grants`,
`policies`, `consent`, `directory`.

Crises and the revoking of a consent change posts too, so they are approvals actions
(`approvals.actions.start_crisis`, `end_crisis`, `revoke_consent`).
"""

from .consent import CONSENT_FIELDS, may_govern_consent, record_consent, update_consent
from .directory import add_directory_entry, remove_directory_entry, update_directory_entry
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
    "add_directory_entry",
    "archive_channel",
    "assign_role",
    "create_channel",
    "create_department",
    "grant_permission",
    "may_govern_consent",
    "record_consent",
    "remove_department_member",
    "remove_directory_entry",
    "remove_role",
    "restore_channel",
    "revoke_permission",
    "save_policy",
    "transfer_channel",
    "update_channel",
    "update_consent",
    "update_department",
    "update_directory_entry",
]
