"""One spec per workflow action (approvals.workflow.SPECS): everything else is derived from it.

The refusals of approvals.permissions, the API's views and addresses, the page's buttons and
their dispatch all read the spec, so that they cannot disagree. The OpenAPI side is pinned in
tests/api/test_schema.py."""

import pytest
from django.urls import reverse

from approvals import actions
from approvals import permissions as post_permissions
from approvals.api.posts import ACTION_VIEWS
from approvals.api.serializers import ACTION_INPUTS
from approvals.forms import action_form
from approvals.workflow import API_ACTIONS, PAGE_ACTIONS, PERFORMERS, SPECS, Action, Need, Who, spec_for_slug


def test_every_action_has_one_spec_and_every_rule_exists():
    assert set(SPECS) == set(Action)
    assert set(post_permissions.RULES) == set(Who)
    assert {spec.who for spec in SPECS.values()} <= set(post_permissions.RULES)


def test_every_action_people_take_has_the_function_that_carries_it_out():
    for spec in {*API_ACTIONS, *PAGE_ACTIONS}:
        assert spec.action in PERFORMERS, spec.action
        function = PERFORMERS[spec.action]
        assert function is getattr(actions, function.__name__), spec.action  # the public action itself


def test_the_api_offers_each_of_its_actions_at_the_specs_address():
    for spec in API_ACTIONS:
        assert reverse("api:post-" + spec.slug, args=[1]) == f"/api/v1/posts/1/{spec.slug}/"
        assert ACTION_VIEWS[spec.slug].__doc__ == spec.summary
        fields = ACTION_INPUTS[spec.action]().fields
        assert set(fields) == {i.name for i in spec.inputs} | ({"version"} if spec.version is not Need.NO else set())
    assert set(ACTION_VIEWS) == {spec.slug for spec in API_ACTIONS}


def test_the_page_dispatches_exactly_its_buttons():
    for spec in PAGE_ACTIONS:
        assert spec_for_slug(spec.slug, page=True) is spec
        assert set(action_form(spec)().fields) == {"version", *(i.name for i in spec.inputs)}
    for spec in SPECS.values():
        if not spec.page:
            assert spec_for_slug(spec.slug, page=True) is None  # e.g. /posts/1/submit/ is a 404, not a button


def test_who_may_is_the_specs_rule(demo, make_post):
    post = make_post("in_review")
    for user in (demo["alice"], demo["rachel"], demo["carol"], demo["sam"]):
        for action, spec in SPECS.items():
            assert post_permissions.refusal(action, user, post) == post_permissions.RULES[spec.who](user, post)
    # The system takes only the actions whose spec allows it.
    for action, spec in SPECS.items():
        assert (post_permissions.refusal(action, None, post) is None) == spec.system


@pytest.mark.django_db
def test_the_page_shows_the_buttons_of_the_available_actions_in_the_specs_order(client_as, make_post):
    post = make_post("in_review")
    page = client_as("rachel").get(f"/posts/{post.pk}/").content.decode()
    shown = [spec for spec in PAGE_ACTIONS if f'data-testid="action-{spec.slug}"' in page]
    assert [spec.action for spec in shown] == [Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT]
    assert page.index('data-testid="action-approve"') < page.index('data-testid="action-reject"')
    assert 'data-testid="approve-comment"' in page and 'data-testid="reject-comment"' in page
