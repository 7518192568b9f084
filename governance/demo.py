"""The demo organization of API.md: a hospital's departments, channels and people."""

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts import roles

from . import actions
from .models import Channel, Department

DEMO_PASSWORD = "clearpost-demo"  # nosec B105 - the demo organization's documented password (API.md)

DEPARTMENTS = [
    ("pr", "Public Affairs", "Press relations, statements and the organization's news accounts."),
    ("marketing", "Marketing", "Campaigns, patient stories and service promotion."),
    ("it", "Information Technology", "Systems, accounts and technical support."),
    ("social-center", "Center for Social Media", "Owns the organization's social presence and its community care."),
]

CHANNELS = [
    {
        "slug": "youtube-main",
        "name": "St. Mary's on YouTube",
        "platform": "youtube",
        "department": "social-center",
        "handle": "@StMarysHealth",
        "url": "https://www.youtube.com/@StMarysHealth",
        "audience": "Patients, families and the wider public.",
        "voice_guidelines": "Warm, clear, evidence-based. Captions on every video.",
    },
    {
        "slug": "x-news",
        "name": "St. Mary's News on X",
        "platform": "x",
        "department": "pr",
        "handle": "@StMarysNews",
        "url": "https://x.com/StMarysNews",
        "audience": "Journalists, local community, partners.",
        "voice_guidelines": "Factual and brief. No speculation; link to the newsroom for details.",
    },
    {
        "slug": "facebook-main",
        "name": "St. Mary's Hospital on Facebook",
        "platform": "facebook",
        "department": "pr",
        "handle": "StMarysHospital",
        "url": "https://www.facebook.com/StMarysHospital",
        "audience": "Local community, patients and families.",
        "voice_guidelines": "Friendly and helpful. Never discuss an individual's care in public.",
    },
    {
        "slug": "patient-stories",
        "name": "Patient Stories",
        "platform": "blog",
        "department": "marketing",
        "url": "https://stories.stmarys.example.org/",
        "audience": "Prospective patients and families.",
        "voice_guidelines": "First-person stories told with written consent. "
        "Sensitive health information goes to compliance before it is published.",
        "is_regulated": True,
        "requires_consent": True,
    },
    {
        "slug": "research-blog",
        "name": "Research Blog",
        "platform": "blog",
        "department": "social-center",
        "url": "https://research.stmarys.example.org/",
        "audience": "Clinicians, researchers and science journalists.",
        "voice_guidelines": "Precise; cite the study; say what is not yet known.",
    },
    {
        "slug": "podcast",
        "name": "Health Matters Podcast",
        "platform": "podcast",
        "department": "social-center",
        "url": "https://podcast.stmarys.example.org/",
        "audience": "General public interested in health.",
        "voice_guidelines": "Conversational; every episode ends with 'This is not medical advice.'",
    },
    {
        "slug": "support-forums",
        "name": "Patient Support Forums",
        "platform": "forum",
        "department": "social-center",
        "url": "https://community.stmarys.example.org/",
        "audience": "Patients and caregivers supporting each other.",
        "voice_guidelines": "Moderate with empathy; never give individual medical advice.",
    },
    {
        "slug": "employee-news",
        "name": "Employee News",
        "platform": "newsletter",
        "department": "pr",
        "visibility": "internal",
        "audience": "All staff.",
        "voice_guidelines": "Plain language; internal only.",
    },
    {
        "slug": "mastodon-main",
        "name": "St. Mary's on Mastodon",
        "platform": "mastodon",
        "department": "social-center",
        "handle": "@stmarys@health.social",
        "url": "https://health.social/@stmarys",
        "audience": "Open-web community, clinicians and researchers.",
        "voice_guidelines": "Informative, with content warnings on difficult topics.",
    },
]

# username, first name, last name, global roles, department memberships (slug, group role)
USERS = [
    ("alice", "Alice", "Martin", [roles.AUTHOR], [("marketing", "authors")]),
    ("bob", "Bob", "Nguyen", [roles.AUTHOR], [("pr", "authors")]),
    ("rachel", "Rachel", "Okafor", [roles.REVIEWER], [("marketing", "reviewers")]),
    ("ray", "Ray", "Fischer", [roles.REVIEWER], [("pr", "reviewers")]),
    ("carol", "Carol", "Jensen", [roles.COMPLIANCE_OFFICER], []),
    ("dana", "Dana", "Silva", [roles.CRISIS_TEAM], [("social-center", "managers")]),
    # A second crisis-team member: in a crisis every submission needs two crisis-team approvals.
    ("sam", "Sam", "Reyes", [roles.CRISIS_TEAM], []),
]


ORGANIZATION_POLICY = [
    {
        "kind": "lexicon",
        "severity": "block",
        "terms": ["miracle cure", "guaranteed cure", "cures cancer"],
        "message": "Unfounded medical claims may not be published.",
    },
    {
        "kind": "lexicon",
        "severity": "warn",
        "terms": ["best in the state", "guaranteed", "#1 hospital"],
        "message": "Superlatives and guarantees need a cited source.",
    },
    {"kind": "links", "severity": "block", "deny": ["bit.ly", "tinyurl.com", "goo.gl"]},
    {"kind": "links", "severity": "warn", "https_only": True},
    {"kind": "alt_text", "severity": "block"},
    # Every channel: an identifiable person's information goes to compliance, an identifier tied to
    # health blocks; the staff newsletter (internal) warns.
    {"kind": "sensitive", "severity": "escalate", "internal": "warn"},
]
CHANNEL_POLICIES = {
    # Patient stories: sensitive information goes to compliance (API.md).
    "patient-stories": [{"kind": "sensitive", "severity": "escalate"}],
    "podcast": [{"kind": "disclaimer", "severity": "warn", "text": "This is not medical advice."}],
    "research-blog": [{"kind": "disclaimer", "severity": "warn", "text": "This is not medical advice."}],
    "support-forums": [{"kind": "sensitive", "severity": "escalate"}],
}


# The demo consent registry, recorded by carol (compliance). Dates are relative to the day the
# demo is loaded, so that the valid consent stays valid: granted `granted_days_ago`, expiring
# in `expires_in_days` (negative: expired; None: never). Those with a `revoked` reason are
# revoked by approvals.demo.revoke_demo_consents (revoking a consent is an approvals action).
VALID_CONSENT_REFERENCE = "DMS-CONSENT-0412"
CONSENTS = [
    {
        "person_name": "Joan Whitaker",
        "channels": ["patient-stories"],
        "granted_days_ago": 40,
        "expires_in_days": 700,
        "document_reference": VALID_CONSENT_REFERENCE,
        "notes": "Signed at the orthopedics clinic after her follow-up visit; covers her recovery story and photos.",
    },
    {
        "person_name": "Marcus Bell",
        "channels": ["patient-stories"],
        "granted_days_ago": 760,
        "expires_in_days": -30,
        "document_reference": "DMS-CONSENT-0187",
        "notes": "Two-year consent for the cardiac rehabilitation series; not renewed.",
    },
    {
        "person_name": "Priya Raman",
        "channels": ["patient-stories", "youtube-main"],
        "granted_days_ago": 200,
        "expires_in_days": None,
        "document_reference": "DMS-CONSENT-0298",
        "notes": "Video interview about the new-parents class.",
        "revoked": "She withdrew her consent in writing; the story and the video are not to be used.",
    },
]


# The organization directory: St. Mary's own contact details and staff, which the sensitive
# screen never reports as a patient's. The e-mail domain is the one of every demo account, of the
# channels' sites and of the staff newsletter; the staff are the demo people; the main hospital is
# on Elm Street (the demo post about its new parking garage).
DIRECTORY = [
    ("phone", "+1 (617) 555-0142", "Main switchboard"),
    ("phone", "617-555-0143", "Nurse line, 24/7"),
    ("phone", "1-800-555-0199", "Appointments (toll-free)"),
    ("email_domain", "stmarys.example.org", "St. Mary's staff and sites"),
    ("address", "1428 Elm Street, Boston, MA 02118", "St. Mary's Hospital"),
    ("site", "200 Harbor Road, Boston, MA 02110", "Harbor Road Outpatient Clinic"),
    ("staff_name", "Alice Martin", "Marketing"),
    ("staff_name", "Bob Nguyen", "Public Affairs"),
    ("staff_name", "Carol Jensen", "Compliance"),
    ("staff_name", "Dana Silva", "Center for Social Media"),
]


def seed_directory() -> int:
    """The demo organization directory, unless it has any entry yet."""
    from .models import DirectoryEntry

    if DirectoryEntry.objects.exists():
        return 0
    for kind, value, label in DIRECTORY:
        actions.add_directory_entry(actor=None, kind=kind, value=value, label=label)
    return len(DIRECTORY)


def seed_consents() -> int:
    """The demo consents (one valid, one expired, one to be revoked), unless any consent exists yet."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import Consent

    carol = get_user_model().objects.filter(username="carol").first()
    if carol is None or Consent.objects.exists():
        return 0
    today = timezone.localdate()
    channels = {c.slug: c for c in Channel.objects.all()}
    for spec in CONSENTS:
        expires_in = spec["expires_in_days"]
        actions.record_consent(
            actor=carol,
            person_name=spec["person_name"],
            channels=[channels[slug] for slug in spec["channels"]],
            granted_on=today - timedelta(days=spec["granted_days_ago"]),
            expires_on=None if expires_in is None else today + timedelta(days=expires_in),
            document_reference=spec["document_reference"],
            notes=spec["notes"],
        )
    return len(CONSENTS)


def seed_policies(channels: dict) -> int:
    """The demo posting policies, unless any policy exists yet."""
    from .models import PostingPolicy

    if PostingPolicy.objects.exists():
        return 0
    actions.save_policy(actor=None, name="St. Mary's posting policy", rules=ORGANIZATION_POLICY)
    for slug, rules in CHANNEL_POLICIES.items():
        actions.save_policy(actor=None, name=f"{channels[slug].name} policy", channel=channels[slug], rules=rules)
    return 1 + len(CHANNEL_POLICIES)


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Create whatever of the demo organization is missing; change nothing that exists."""
    created = {"departments": 0, "channels": 0, "users": 0, "policies": 0, "directory": 0, "consents": 0}
    departments = {}
    for slug, name, description in DEPARTMENTS:
        department = Department.objects.filter(slug=slug).first()
        if department is None:
            department = actions.create_department(actor=None, slug=slug, name=name, description=description)
            created["departments"] += 1
        departments[slug] = department

    for spec in CHANNELS:
        spec = dict(spec)
        slug = spec.pop("slug")
        if Channel.objects.filter(slug=slug).exists():
            continue
        actions.create_channel(
            actor=None,
            slug=slug,
            name=spec.pop("name"),
            platform=spec.pop("platform"),
            owning_department=departments[spec.pop("department")],
            **spec,
        )
        created["channels"] += 1

    created["policies"] = seed_policies({c.slug: c for c in Channel.objects.all()})
    created["directory"] = seed_directory()

    User = get_user_model()
    for username, first, last, user_roles, memberships in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username,
                email=f"{username}@stmarys.example.org",
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
            )
            created["users"] += 1
        for role in user_roles:
            actions.assign_role(user, actor=None, role=role)
        for slug, group_role in memberships:
            actions.add_department_member(departments[slug], actor=None, user=user, role=group_role)

    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(
            "admin", email="admin@stmarys.example.org", password=DEMO_PASSWORD, first_name="Ada", last_name="Admin"
        )
        created["users"] += 1
    created["consents"] = seed_consents()
    return created
