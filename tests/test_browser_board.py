"""Real Chromium as phones on the real box: a notice posted (after a refused pseudonym), replied to from
another phone, then closed by its poster; with and without JavaScript."""

import pytest

from . import browser
from .browser import expect, fits_the_phone

# The harness's fixtures, used by name below.
chromium, phones = browser.chromium, browser.phones


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_post_a_notice_a_neighbour_replies_then_it_is_closed(phones, javascript):
    poster = phones(javascript=javascript)
    poster.allow_error_status()  # the refused pseudonym answers 400, on purpose
    page = poster.open("/")
    page.click("nav a[href='/board/']")
    page.click("main a[href='/board/new']")
    page.select_option("#f-kind", "request")
    page.fill("#f-title", "Aide pour déménager une armoire")
    page.fill("#f-body", "Samedi matin, rue du Lavoir.\nDeux bras suffisent.")
    page.fill("#f-pseudonym", "Admin")
    page.click("form.stack button[type=submit]")
    assert page.locator("#e-pseudonym").inner_text().startswith("Ce nom pourrait être confondu")
    assert page.input_value("#f-title") == "Aide pour déménager une armoire"
    assert page.input_value("#f-body") == "Samedi matin, rue du Lavoir.\nDeux bras suffisent."
    assert page.input_value("#f-kind") == "request"
    assert fits_the_phone(page)
    poster.shot("notice-form-with-an-error")

    page.fill("#f-pseudonym", "Paul des Tilleuls")
    page.click("form.stack button[type=submit]")
    assert page.locator(".flash[role=status]").inner_text().startswith("Votre annonce est sur le tableau.")
    page.click(".flash[role=status] a")
    notice_url = page.url
    assert page.locator("h1").inner_text() == "Aide pour déménager une armoire"

    neighbour = phones(javascript=javascript)
    page2 = neighbour.open("/board/")
    page2.click("a:has-text('Aide pour déménager une armoire')")
    assert page2.url == notice_url
    page2.fill("#f-body", "Je passe à 10 h avec mon diable.")
    page2.fill("#f-pseudonym", "Jeanne")
    page2.click("form.stack button[type=submit]")
    assert page2.locator(".flash").first.inner_text() == "Votre réponse est en ligne."
    assert "Je passe à 10 h avec mon diable." in page2.locator("ol.replies").inner_text()
    expect(page2.locator("form[action$='/close']")).to_have_count(0)  # not hers to close
    assert fits_the_phone(page2)
    neighbour.shot("notice-with-a-reply")

    page.reload()
    assert "Je passe à 10 h avec mon diable." in page.locator("ol.replies").inner_text()
    page.click("form[action$='/close'] button")
    assert page.locator(".flash").first.inner_text().startswith("Annonce close.")
    expect(page.locator("form[action$='/reply']")).to_have_count(0)  # closed: no more replies
