"""Real Chromium as phones on the real box: a book registered, its label printed (print media and a PDF,
its QR read back from what the browser drew), then caught by another phone that scans the label."""

import io
import re

import pytest
from PIL import Image

from . import browser
from .browser import PHONE, expect, fits_the_phone

# The harness's fixtures, used by name below.
chromium, phones = browser.chromium, browser.phones
A4 = {"width": 794, "height": 1123}  # CSS pixels at 96 per inch


def qr_payloads(png_bytes):
    import zxingcpp

    picture = Image.open(io.BytesIO(png_bytes)).convert("L")
    return [result.text for result in zxingcpp.read_barcodes(picture)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_register_a_book_print_its_label_and_another_phone_catches_it(phones, tmp_path, javascript):
    owner = phones(javascript=javascript)
    page = owner.open("/")
    page.click("nav a[href='/books/']")
    page.click("main a[href='/books/new']")
    page.fill("#f-title", "Le Grand Meaulnes")
    page.fill("#f-author", "Alain-Fournier")
    page.fill("#f-pseudonym", "Lectrice du mardi")
    page.click("button[name=then][value=label]")
    assert page.locator("h1").inner_text() == "Votre livre est enregistré"
    full_code = page.locator(".book-label-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z]{3}-\d{4}-[0-9A-Z]{4}", full_code), full_code
    assert fits_the_phone(page)
    owner.shot("book-label-screen")

    page.wait_for_load_state("load")  # the print CSS too
    pdf = page.pdf(format="A4")  # what "Print" makes of it: one sheet
    (tmp_path / "label.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    # Printed: a sheet of A4 paper, as the browser lays it out for the printer.
    page.set_viewport_size(A4)
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("p.actions.no-print")).to_be_hidden()
    expect(page.locator(".book-label")).to_be_visible()
    printed = page.screenshot(full_page=True, scale="device")
    assert qr_payloads(printed) == [f"http://box.lan/b/{full_code}"]
    owner.shot("book-label-print")
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE["viewport"])

    finder = phones(javascript=javascript)
    page2 = finder.open(f"/b/{full_code}")  # what the label's QR opens (the box's name answers here)
    assert page2.locator("h1").inner_text() == "Le Grand Meaulnes"
    expect(page2.locator("#h-move")).to_be_visible()
    finder.shot("book-caught-form")
    page2.locator("section.book-move .actions button[value=caught]").click()
    assert page2.locator(".flash[role=status]").inner_text() == "Merci ! Le voyage du livre continue avec vous."
    timeline = page2.locator("ol.timeline")
    assert "Trouvé" in timeline.inner_text()
    # The finder holds the book now: back on its page, "I am leaving it" with no code to scan again.
    expect(page2.locator("#h-move")).to_be_visible()
    page2.locator("section.book-move .actions button[value=released]").click()
    assert "Déposé" in page2.locator("ol.timeline").inner_text()
    expect(page2.locator("#h-move")).to_have_count(0)  # released: it no longer holds it
    assert full_code not in page2.content()

    page.goto(owner.url(f"/books/{full_code[:8]}"))
    assert "Trouvé" in page.locator("ol.timeline").inner_text()
