from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top of the apps: the home page, the dashboard and the navigation, which show what
    every app below has for the signed-in user."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
