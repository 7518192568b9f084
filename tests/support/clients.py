"""API clients for the tests."""

from rest_framework.test import APIClient


def issue_token(user, *, second_factor: bool = True) -> str:
    """A fresh API token key for `user`, as the token endpoint issues it (by default as if the
    user had passed two-factor authentication, so that it works whether or not REQUIRE_2FA is on)."""
    from accounts import tokens

    key, _ = tokens.issue(user, second_factor=second_factor)
    return key


def token_client(user, *, second_factor: bool = True) -> APIClient:
    """An API client that authenticates with a new token of `user`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, second_factor=second_factor)}")
    return client
