"""The interactive API docs load under the Content-Security-Policy without a console error."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_api_docs_render(page, live_demo):
    sign_in(page, live_demo.url, "carol")
    page.get_by_test_id("nav-api-docs").click()
    page.wait_for_url("**/api/docs/")
    expect(page.get_by_text("/api/v1/posts/", exact=True).first).to_be_visible()
