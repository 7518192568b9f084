"""Deployment checks of the audit log (`manage.py check --deploy`): the chain key, the
checkpoints, and (with `--database default`, PostgreSQL only) the app's database role."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connection

MIN_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def chain_key_settings(app_configs, **kwargs):
    key = getattr(settings, "AUDIT_CHAIN_KEY", "") or ""
    if len(key) < MIN_KEY_LENGTH:
        return [
            Error(
                "AUDIT_CHAIN_KEY is missing or shorter than 32 characters: the audit events are keyed with a "
                "key derived from SECRET_KEY, which changes with it.",
                hint="Set AUDIT_CHAIN_KEY to a random key kept out of the database, and never change it.",
                id="audit.E001",
            )
        ]
    if key in {getattr(settings, "AUDIT_CHECKPOINT_KEY", ""), settings.SECRET_KEY}:
        return [
            Error(
                "AUDIT_CHAIN_KEY is the same as AUDIT_CHECKPOINT_KEY or SECRET_KEY: one leaked key would forge "
                "both the chain and its checkpoints.",
                hint="Give the audit chain a key of its own.",
                id="audit.E002",
            )
        ]
    return []


@register(Tags.security, Tags.database, deploy=True)
def app_database_role(app_configs, databases=None, **kwargs):
    """The app's connection must not own the audit table (it could disable its trigger). Asks the
    database only when the check is given it (`check --deploy --database default`), as Django's
    own database checks do; on PostgreSQL without it, a warning says it was not checked."""
    if connection.vendor != "postgresql":
        return []
    if not databases or "default" not in databases:
        return [
            Warning(
                "The app's database role was not checked.",
                hint="Run `manage.py check --deploy --database default` with the app's DATABASE_URL.",
                id="audit.W004",
            )
        ]
    from .db_roles import app_role_problems

    try:
        problems = app_role_problems()
    except DatabaseError as exc:
        return [Warning(f"The app's database role could not be checked: {exc}", id="audit.W005")]
    return [
        Error(
            f"The app's database connection can change the audit log's guards: {problem}.",
            hint="Run `migrate` as a migration role (MIGRATION_DATABASE_URL) that owns the tables, and the app as "
            "a role without ownership (`manage.py grant_app_role ROLE`); see SECURITY.md.",
            id="audit.E003",
        )
        for problem in problems
    ]


@register(Tags.security, deploy=True)
def checkpoint_settings(app_configs, **kwargs):
    if not getattr(settings, "AUDIT_CHECKPOINTS", False):
        return [
            Warning(
                "Audit checkpoints are off: a log whose tail was cut off and whose chain head was rewound "
                "to match would verify as intact.",
                hint="Set AUDIT_CHECKPOINT_KEY and AUDIT_CHECKPOINT_FILE or AUDIT_CHECKPOINT_URL.",
                id="audit.W003",
            )
        ]
    messages = []
    url = getattr(settings, "AUDIT_CHECKPOINT_URL", "")
    if not getattr(settings, "AUDIT_CHECKPOINT_FILE", "") and not url:
        messages.append(
            Warning(
                "Audit checkpoints are kept only in the database, which the attack they detect can rewrite.",
                hint="Set AUDIT_CHECKPOINT_FILE (on storage the database cannot reach) and/or AUDIT_CHECKPOINT_URL.",
                id="audit.W001",
            )
        )
    if url and not url.startswith("https://"):
        messages.append(
            Warning(
                "AUDIT_CHECKPOINT_URL is not HTTPS: checkpoints travel in clear and unauthenticated.",
                id="audit.W002",
            )
        )
    return messages
