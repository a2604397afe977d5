"""The console in real Chromium: the poster prints on one A4 page and on one A6 page, and the clock
page's small script sets the box's time from the phone's own clock in one tap (with the confirmation
a big move asks for)."""

import re
import subprocess
import sys
from datetime import datetime, timedelta

from . import browser

chromium, phones, phone = browser.chromium, browser.phones, browser.phone  # the fixtures
PASSWORD = "un mot de passe solide"


def log_in(phone):
    added = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(phone.box.data_dir), "admin", "add",
                            "Claire"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    page = phone.open("/console/login")
    page.fill("#f-name", "Claire")
    page.fill("#f-password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/console/")
    return page


def pages_and_size(pdf):
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    return len(re.findall(rb"/Type /Page[^s]", pdf)), tuple(round(float(n) / 72 * 25.4) for n in sizes[0])


def test_the_poster_prints_on_one_page_in_a4_and_a6(phone):
    page = log_in(phone)
    page.goto(phone.url("/console/prints/poster"))
    assert pages_and_size(page.pdf(prefer_css_page_size=True)) == (1, (210, 297))
    page.goto(phone.url("/console/prints/poster?size=a6"))
    assert pages_and_size(page.pdf(prefer_css_page_size=True)) == (1, (105, 148))
    page.goto(phone.url("/console/prints/shelf"))
    assert pages_and_size(page.pdf(prefer_css_page_size=True))[0] == 1


def test_setting_the_clock_from_the_phone_in_one_tap(phone):
    phone.allow_error_status()  # a move of more than 2 days answers 409 and asks to confirm
    page = log_in(phone)
    ahead = datetime.now() + timedelta(days=3)
    page.clock.install(time=ahead)  # the phone's own clock is 3 days ahead of the box
    page.goto(phone.url("/console/clock"))
    typed = page.input_value("#f-phone_time")
    assert typed.startswith(ahead.strftime("%Y-%m-%dT"))  # filled in by the script
    page.click("#clock-form button.primary")
    assert page.locator("input[name=confirm]").count() == 1  # more than 2 days: asked first
    page.check("input[name=confirm]")
    page.click("#clock-form button.primary")
    page.wait_for_url("**/console/clock")
    assert "horloge de la box est réglée" in page.content()
    audit = page.goto(phone.url("/console/audit"))
    assert audit.ok
    line = re.search(r"a réglé l(?:'|&#39;)horloge</td><td>clock</td><td>\+(\d+) s", page.content())
    assert line and abs(int(line.group(1)) - 3 * 86400) < 600


def test_the_backups_and_audit_pages_fit_a_phone(phone):
    from .browser import fits_the_phone

    page = log_in(phone)
    for _ in range(2):  # backups with long names on the page, and long lines in the audit log
        page = phone.open("/console/backups")
        page.evaluate("() => fetch('/console/backups/download', {method: 'POST', body: new FormData(document.querySelector(\"form[action$='/download']\"))})")
    page = phone.open("/console/backups")
    assert page.locator("input[name=name]").count() >= 1
    assert fits_the_phone(page), page.evaluate("() => document.documentElement.scrollWidth")
    assert "Mo" in page.locator("main").inner_text() or "ko" in page.locator("main").inner_text()
    phone.shot("console-backups-phone")
    page = phone.open("/console/audit")
    assert page.locator("tbody tr").count() >= 2
    assert fits_the_phone(page), page.evaluate("() => document.documentElement.scrollWidth")
    phone.shot("console-audit-phone")
