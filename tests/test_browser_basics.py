"""Real Chromium as a phone on the real box: home page, language switch, error pages, keyboard, CSP,
no request anywhere but the box, and a second visit that re-downloads no CSS or icon."""

import re

import pytest

from . import browser
from .browser import PHONE, expect, fits_the_phone, focusable, on_screen, tab_through

# The harness's fixtures, used by name below.
chromium, phones, phone = browser.chromium, browser.phones, browser.phone


def html_lang(page):
    return page.get_attribute("html", "lang")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_home_then_english_is_remembered_by_this_phone_only(phones, javascript):
    phone = phones(javascript=javascript)
    page = phone.open("/")
    assert html_lang(page) == "fr"
    assert page.locator("nav a[href='/give/']").inner_text() == "Boîte à dons"
    assert fits_the_phone(page)
    phone.shot("home-fr")

    page.click("a[hreflang=en]")
    assert html_lang(page) == "en"
    assert page.url == phone.url("/")
    assert page.locator("a[hreflang=en]").get_attribute("aria-current") == "true"
    page.click("nav a[href='/books/']")
    assert html_lang(page) == "en" and page.url == phone.url("/books/")

    later = phone.new_page()
    later.goto(phone.url("/"))
    assert html_lang(later) == "en"
    assert later.locator("nav a[href='/give/']").inner_text() == "Give-box"

    neighbour = phones(javascript=javascript)
    assert html_lang(neighbour.open("/")) == "fr"

    later.click("a[hreflang=fr]")
    assert html_lang(later) == "fr"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_unknown_page_says_so_in_french_and_leads_home(phones, javascript):
    phone = phones(javascript=javascript)
    phone.allow_error_status()
    response = phone.page.goto(phone.url("/no-such-page"))
    page = phone.page
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Oups"
    expect(page.locator("[role=alert]")).to_be_visible()
    assert fits_the_phone(page)
    phone.shot("error-404")
    page.click("main a[href='/']")
    assert page.url == phone.url("/")


@pytest.mark.parametrize("path", ["/", "/give/", "/give/offer", "/books/", "/books/new", "/board/", "/board/new",
                                  "/welcome", "/report?target=book:XYZ-0001", "/console/login"])
def test_keyboard_alone_reaches_every_link_and_field_with_a_visible_focus_ring(phone, path):
    phone.allow_error_status()  # the report page of a book that does not exist may say so
    page = phone.open(path)
    reached = tab_through(page, limit=120)
    assert [info["key"] for info in reached] == focusable(page)
    assert reached[0]["text"] == "Aller au contenu"  # the skip link comes first
    assert all(info["ring"] for info in reached), [info["key"] for info in reached if not info["ring"]]


def test_the_skip_link_shows_when_focused_and_leads_to_the_content(phone):
    page = phone.open("/")
    assert not on_screen(page.locator("a.skip"))
    page.keyboard.press("Tab")
    assert on_screen(page.locator("a.skip"))
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_the_harness_notices_a_foreign_request_and_a_csp_violation(phone):
    """The checks every journey relies on really fire (else a green journey would prove nothing)."""
    page = phone.open("/")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.inline = 1'; document.body.append(s); }""")
    assert page.evaluate("() => window.inline") is None
    assert any("Content Security Policy" in p for p in phone.problems)
    with pytest.raises(Exception, match="ERR_FAILED"):
        page.goto("http://example.invalid/x")
    assert "request to another host: http://example.invalid/x" in phone.problems
    phone.problems.clear()


def test_a_second_visit_downloads_no_css_and_no_icon(chromium, live_box):
    """Real browser cache (no request routing here: routing turns the cache off); the box's log tells
    what crossed the wire."""
    context = chromium.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(live_box.url + "/")
        page.click("nav a[href='/books/']")
        page.click("a.brand")
        page.wait_for_load_state()
        later = context.new_page()
        later.goto(live_box.url + "/")
    finally:
        context.close()
    live_box.stop()
    log = live_box.output()
    statics = re.findall(r"GET (/static/\S+) 200", log)
    assert any(url.endswith("/css/box.css") for url in statics)
    assert len(statics) == len(set(statics)), f"downloaded again: {statics}"
    # The page itself is asked again each time (no-cache), but nothing changed in between: the phone
    # shows its own copy after a 304 (the page's validator) instead of downloading it again.
    assert re.findall(r"GET / (\d{3})", log) == ["200", "304", "304"]

