"""The production settings (config.settings, read from the environment as deployed), for the
production-like server of tests/support/production.py.

One difference: static files are served from the source folders. The deployed storage
(whitenoise's compressed manifest) needs `collectstatic`, which takes minutes; static files
are not what the production-like tests check.
"""

from config.settings import *  # noqa: F403
from config.settings import DEBUG

assert not DEBUG, "the production-like server runs with DEBUG off"  # noqa: S101 - a guard of the harness

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
