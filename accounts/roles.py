"""Global roles. Each is a Django group created by a data migration."""

AUTHOR = "Author"
REVIEWER = "Reviewer"
COMPLIANCE_OFFICER = "Compliance Officer"
CRISIS_TEAM = "Crisis Team"
PORTAL_ADMIN = "Portal Admin"

ALL_ROLES = (AUTHOR, REVIEWER, COMPLIANCE_OFFICER, CRISIS_TEAM, PORTAL_ADMIN)
