from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_roles(using: str = "default", **kwargs) -> None:
    """The role groups exist after every migrate (and after a test database is flushed)."""
    from django.contrib.auth.models import Group

    from .roles import ALL_ROLES

    for name in ALL_ROLES:
        Group.objects.using(using).get_or_create(name=name)


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed, post_save, pre_save

        from . import tokens
        from .admin import register_read_only_admins
        from .middleware import stamp_session

        register_read_only_admins()  # after django.contrib.admin's ready(): every admin is registered
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="accounts_ensure_roles")
        user_logged_in.connect(stamp_session, dispatch_uid="accounts_stamp_session")
        # A new password, a deactivation or a change of roles ends the user's API tokens,
        # wherever it was made (accounts.tokens).
        user_model = self.get_model("User")
        pre_save.connect(tokens.remember_bound_fields, sender=user_model, dispatch_uid="accounts_tokens_pre_save")
        post_save.connect(
            tokens.revoke_on_credential_change, sender=user_model, dispatch_uid="accounts_tokens_post_save"
        )
        m2m_changed.connect(
            tokens.revoke_on_role_change, sender=user_model.groups.through, dispatch_uid="accounts_tokens_roles"
        )
