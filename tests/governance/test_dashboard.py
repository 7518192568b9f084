import pytest

from governance import actions
from governance.models import Channel, Department
from tests.support.queries import assert_same_queries, queries_of

pytestmark = pytest.mark.django_db


def _get(client):
    measured = queries_of(lambda: client.get("/dashboard/"))
    assert measured.result.status_code == 200
    return measured, measured.result.content.decode().count('data-testid="channel-row"')


def test_dashboard_shows_channels_in_constant_queries(client, demo):
    client.force_login(demo["alice"])
    one, rows = _get(client)
    assert rows == 1
    marketing = Department.objects.get(slug="marketing")
    for i in range(19):
        actions.create_channel(actor=None, slug=f"m-{i}", name=f"M {i}", platform="blog", owning_department=marketing)
    twenty, rows = _get(client)
    assert rows == 20
    assert_same_queries(one, twenty)


def test_dashboard_escapes_channel_names(client, demo):
    actions.update_channel(
        Channel.objects.get(slug="patient-stories"),
        actor=None,
        name='<script>alert("x")</script>',
    )
    client.force_login(demo["alice"])
    body = client.get("/dashboard/").content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_dashboard_requires_sign_in(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
