from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Test-only helpers, installed by config.settings_test alone."""

    name = "tests.support"
    label = "test_support"
