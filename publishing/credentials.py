"""Connector credentials, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The keys come from the environment: `CREDENTIALS_KEYS`, a comma-separated list of Fernet
keys, newest first (older ones still decrypt, so keys can be rotated). Without it the key is
derived from SECRET_KEY, which is fine for a single server but couples the two: production
should set its own (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.CREDENTIALS_KEYS if key.strip()]
    if not keys:
        derived = hashlib.sha256(b"clearpost-credentials:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    """The secret, or a clear error when the stored token was made with a key we no longer hold."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "The stored credential cannot be decrypted with the configured CREDENTIALS_KEYS; "
            "enter the credential again or restore the key."
        ) from exc
