import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import TrainingCertification
from accounts.roles import ALL_ROLES
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_roles_exist():
    assert set(ALL_ROLES) <= set(Group.objects.values_list("name", flat=True))


def test_root_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("accounts:login")


def test_login_page_renders(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'data-testid="login-username"' in response.content


def test_successful_login_is_audited(client, demo):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "clearpost-demo"})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "accounts.login.succeeded" and event.actor_label == "alice"
    assert event.ip == "127.0.0.1" and event.request_id


def test_failed_login_is_audited_without_the_password(client, demo):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong-guess"})
    assert response.status_code == 200 and b'data-testid="login-error"' in response.content
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "accounts.login.failed" and event.actor_id is None
    assert event.data == {"username": "alice"}
    assert "wrong-guess" not in str(event.data)


def test_logout_is_audited(client, demo):
    client.force_login(demo["bob"])
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.order_by("-seq").first().action == "accounts.logout"


def test_certification_validity(demo):
    now = timezone.now()
    cert = TrainingCertification.objects.create(
        user=demo["alice"],
        course="hipaa-privacy",
        completed_at=now - timezone.timedelta(days=10),
        expires_at=now + timezone.timedelta(days=355),
    )
    assert cert.is_valid()
    assert not cert.is_valid(at=now + timezone.timedelta(days=400))
    assert not cert.is_valid(at=now - timezone.timedelta(days=11))


def test_favicon_is_served_where_browsers_look(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.svg")
