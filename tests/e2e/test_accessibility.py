"""Every page of the shop, as a visitor and as a customer, in light and dark colours: axe-core
finds no serious or critical accessibility violation."""

import pytest
from playwright.sync_api import Page, expect

from shop import demo_data
from tests.browser import assert_accessible
from tests.e2e.chat import open_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IN_STOCK = "/products/merino-running-socks-3-pack/"
SOLD_OUT = "/products/tempo-carbon-racing-shoe/"


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/chat/**")


def check(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status in (200, 404), (path, response)
    assert_accessible(page, what=path)


@pytest.fixture(params=["light", "dark"])
def colours(request: pytest.FixtureRequest, page: Page) -> Page:
    page.emulate_media(color_scheme=request.param)
    return page


def test_a_visitors_pages(colours: Page) -> None:
    page = colours
    for path in ("/", "/?q=coffee", "/?category=running", IN_STOCK, SOLD_OUT, "/cart/"):
        check(page, path)
    check(page, "/accounts/login/")
    check(page, "/no-such-page/")
    open_chat(page)
    assert_accessible(page, what="/chat/ (empty)")


def test_a_cart_with_items(colours: Page) -> None:
    page = colours
    page.goto(IN_STOCK)
    page.fill("#quantity", "2")
    page.click("form.add-to-cart button[type=submit]")
    page.goto("/cart/")
    expect(page.locator("main")).to_contain_text("Merino Running Socks")
    assert_accessible(page, what="/cart/ with items")


def test_a_customers_pages(colours: Page) -> None:
    page = colours
    log_in(page, demo_data.DEMO_USERNAME, demo_data.DEMO_PASSWORD_DEFAULT)
    open_chat(page)
    assert_accessible(page, what="/chat/ logged in")
    check(page, "/orders/ORD-10042/")
    check(page, "/cart/")
