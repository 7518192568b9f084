"""A consent's person and document reference are shown only to those who may see the consent
(the rule the consent endpoints answer 404 by: `governance.selectors.consents_visible_to`).
Others who may see the post (the crisis team, publishers of other departments) see only that a
consent is cited and whether it covers the post: not who consented, nor where the form is."""

import pytest

from approvals import actions
from governance.demo import VALID_CONSENT_REFERENCE
from governance.models import Channel, Consent

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
JOAN = "Joan Whitaker"


@pytest.fixture
def cited(demo):
    joan = Consent.objects.get(document_reference=VALID_CONSENT_REFERENCE)
    post = actions.create_post(
        actor=demo["alice"],
        channel=Channel.objects.get(slug="patient-stories"),
        body="Our physiotherapy team grew.",
        consent=joan,
    )
    return post, joan


def test_the_crisis_team_sees_that_a_consent_is_cited_not_whose(cited, api_as, client_as):
    post, joan = cited
    # dana (crisis team) sees every post, but not the consents of a channel she has no right on.
    assert api_as("dana").get(f"{V1}/consents/{joan.pk}/").status_code == 404
    response = api_as("dana").get(f"{V1}/posts/{post.pk}/")
    assert response.status_code == 200
    assert response.json()["consent"] == {"cited": True, "valid": True, "problem": None}
    assert JOAN not in response.content.decode() and VALID_CONSENT_REFERENCE not in response.content.decode()

    page = client_as("dana").get(f"/posts/{post.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="consent-valid"' in html
    assert JOAN not in html and VALID_CONSENT_REFERENCE not in html


def test_those_who_may_see_the_consent_see_its_details(cited, api_as, client_as):
    post, joan = cited
    assert api_as("alice").get(f"{V1}/consents/{joan.pk}/").status_code == 200
    consent = api_as("alice").get(f"{V1}/posts/{post.pk}/").json()["consent"]
    assert consent["cited"] is True and consent["id"] == joan.pk
    assert consent["person_name"] == JOAN and consent["document_reference"] == VALID_CONSENT_REFERENCE
    html = client_as("alice").get(f"/posts/{post.pk}/").content.decode()
    assert JOAN in html and VALID_CONSENT_REFERENCE in html


def test_problems_with_a_consent_do_not_name_the_person(cited, demo, api_as):
    """What is wrong with a consent is said to publishers, reviewers and the crisis team (the
    post's status, the refusal to publish) without naming who consented."""
    post, joan = cited
    post = actions.submit(post, actor=demo["alice"], expected_version=post.version)
    actions.revoke_consent(joan, actor=demo["carol"], expected_version=joan.version, reason="She asked us to stop.")
    detail = api_as("dana").get(f"{V1}/posts/{post.pk}/").json()
    assert detail["consent"]["valid"] is False and detail["consent"]["problem"]
    text = str(detail)
    assert JOAN not in text and VALID_CONSENT_REFERENCE not in text, text
