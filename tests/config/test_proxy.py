"""Behind trusted proxies, lockout and the audit log see the client, not the proxy."""

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from config.proxy import client_address

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("forwarded", "count", "expected"),
    [
        ("203.0.113.7", 1, "203.0.113.7"),  # one proxy: its entry is the client
        ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # the client's own claim (left) is ignored
        ("203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),  # two proxies
        ("", 1, "10.0.0.1"),  # did not come through the proxy: its own address
        ("not-an-address", 1, "10.0.0.1"),
        ("2001:DB8::0:1", 1, "2001:db8::1"),
    ],
)
def test_client_address(forwarded, count, expected):
    assert client_address({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}, count) == expected


def test_failed_sign_ins_behind_a_proxy_are_counted_per_client(client, demo):
    with override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=3):
        for _ in range(3):
            client.post(
                "/accounts/login/",
                {"username": "nobody", "password": "wrong"},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR="203.0.113.7",
            )
        # Another client behind the same proxy is not locked out by the first one's failures.
        response = client.post(
            "/accounts/login/",
            {"username": "alice", "password": "clearpost-demo"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.4",
        )
    assert response.status_code == 302
    failed = AuditEvent.objects.filter(action="accounts.login.failed")
    assert {str(e.ip) for e in failed} == {"203.0.113.7"}
