"""Real Chromium as phones on the real box: an item offered with a photo from the phone, then reserved
from another phone; with and without JavaScript."""

import re

import pytest

from . import browser
from .browser import camera_photo, expect, fits_the_phone

# The harness's fixtures, used by name below.
chromium, phones = browser.chromium, browser.phones


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_offer_with_a_photo_then_a_neighbour_reserves_it(phones, tmp_path, javascript):
    giver = phones(javascript=javascript)
    giver.allow_error_status()  # the refused photo below answers 415, on purpose
    page = giver.open("/")
    page.click("nav a[href='/give/']")
    page.click("main a[href='/give/offer']")
    assert page.locator("h1").inner_text() == "Donner quelque chose"
    assert "image/jpeg" in page.get_attribute("input[type=file]", "accept")

    # A file that is not a photo: the form comes back with the error next to the field, nothing lost.
    not_a_photo = tmp_path / "IMG_0001.jpg"
    not_a_photo.write_text("not a photo at all")
    page.fill("#f-title", "Vélo enfant 16 pouces")
    page.fill("#f-description", "Roues gonflées.\nPetite rayure sur le cadre.")
    page.fill("#f-pseudonym", "Martine du lavoir")
    page.set_input_files("#f-photo", str(not_a_photo))
    page.click("form.stack button[type=submit]")
    expect(page.locator("#e-photo")).to_be_visible()
    assert page.input_value("#f-title") == "Vélo enfant 16 pouces"
    assert page.input_value("#f-description") == "Roues gonflées.\nPetite rayure sur le cadre."
    assert page.input_value("#f-pseudonym") == "Martine du lavoir"
    assert fits_the_phone(page)
    giver.shot("offer-form-with-an-error")

    page.set_input_files("#f-photo", str(camera_photo(tmp_path / "IMG_0002.jpg")))
    page.click("form.stack button[type=submit]")
    assert page.locator("h1").inner_text() == "Merci !"
    manage_link = page.locator("a.manage-link").get_attribute("href")
    assert re.fullmatch(r"/give/[0-9A-Z]{4,6}/manage/\S+", manage_link)
    page.click("main a.btn.primary")  # "See my post"
    item_url = page.url
    assert page.locator("h1").inner_text() == "Vélo enfant 16 pouces"
    photo = page.locator("img.item-photo")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    # The EXIF said "turn it upright": the 1600x1200 photo is now portrait.
    assert photo.evaluate("img => img.naturalHeight > img.naturalWidth")
    assert page.locator(".prose").last.inner_text() == "Roues gonflées.\nPetite rayure sur le cadre."
    assert fits_the_phone(page)
    giver.shot("item-page")

    neighbour = phones(javascript=javascript)
    page2 = neighbour.open("/give/")
    card = page2.locator("li.item-card", has_text="Vélo enfant 16 pouces")
    thumb = card.locator("img.thumb")
    thumb.scroll_into_view_if_needed()
    # The thumbnail loads lazily: it starts only once scrolled into view, so wait for it (a busy
    # machine may take a while), then check its size.
    page2.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth <= 400")
    neighbour.shot("give-listing")
    card.locator("a").click()
    assert page2.url == item_url
    page2.click("form[action$='/reserve'] button")
    assert page2.locator(".flash[role=status]").inner_text().startswith("Réservé pour vous")
    expect(page2.locator(".status.reserved")).to_be_visible()
    expect(page2.locator("form[action$='/reserve']")).to_have_count(0)
    neighbour.shot("item-reserved")

    page.reload()
    expect(page.locator(".status.reserved")).to_be_visible()
    expect(page.locator("form[action$='/reserve']")).to_have_count(0)
