"""axe-core on every page of the box, at phone size in real Chromium: villagers' pages (with content in
them, an error page, a form with its errors shown) and the volunteers' console. No serious or
critical violation anywhere."""

import re

from . import browser
from .board_factory import live_phone, submit
from .browser import axe_violations
from .test_console_browser import log_in

chromium, phones, phone = browser.chromium, browser.phones, browser.phone  # the fixtures


def seed(box):
    """An item with an answer, a wanted post, an event, a carpool, a book: pages with something in them."""
    giver = live_phone(box)
    posted = submit(giver, "/give/offer", {"title": "Deux chaises paillées", "description": "Solides.",
                                           "category": "meubles", "where": "in_box", "pseudonym": "Martine"})
    item = re.search(r'href="/give/(\w+)/manage/', posted.text).group(1)
    submit(giver, "/give/wanted", {"title": "Poussette pliable", "category": "enfants", "where": "in_box"})
    neighbour = live_phone(box)
    submit(neighbour, f"/give/{item}", {"body": "Encore là samedi ?", "pseudonym": "Paulette"},
           action=f"/give/{item}/reply")
    event = submit(giver, "/board/new", {"kind": "event", "title": "Disco Soupe", "starts_at": "2030-12-12T20:00",
                                         "place": "Salle des fêtes"})
    notice = re.search(r'href="/board/(\d+)"', event.text).group(1)
    submit(neighbour, f"/board/{notice}", {"body": "J'apporte des carottes"}, action=f"/board/{notice}/reply")
    submit(giver, "/board/new", {"kind": "carpool", "title": "Marché de Rambouillet", "starts_at": "2030-12-13T08:00",
                                 "place": "Église", "destination": "Rambouillet", "seats": "3"})
    submit(giver, "/books/new", {"title": "Germinal", "author": "Émile Zola", "language": "fr"})
    return item, notice


def test_no_serious_accessibility_violation_on_any_page(phone):
    item, notice = seed(phone.box)
    phone.allow_error_status()  # the 404 page and the form with its errors, on purpose
    villagers = [
        "/", "/welcome", "/give/", "/give/?status=all&kind=wanted", "/give/offer", "/give/wanted", f"/give/{item}",
        f"/give/{item}/label", "/books/", "/books/new", "/books/BOX-0001", "/books/find?code=ZZZ-9999",
        "/board/", "/board/?upcoming=1", "/board/new", f"/board/{notice}", "/people/Martine", "/kiosk",
        f"/report?target=item:{item}", "/mine", "/mine/recover", "/timebank/", "/letterbox", "/nothing-here",
    ]
    found, statuses = {}, {}
    for path in villagers:
        page = phone.open(path)
        statuses[path] = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseStatus")
        # The kiosk reloads itself on purpose (a read-only wall display in the village hall, nothing
        # to type or lose): the one rule it is exempt from, on that page only.
        found[path] = axe_violations(page, skip=("meta-refresh",) if path == "/kiosk" else ())
    assert [path for path, status in statuses.items() if status != 200] == [
        "/books/find?code=ZZZ-9999", "/nothing-here"]
    page = phone.open("/give/offer")
    page.fill("#f-title", "ab")
    page.click("form.stack button[type=submit]")
    found["/give/offer (with errors)"] = axe_violations(page)

    page = log_in(phone)
    console = ["/console/", "/console/moderation", "/console/neighbours", "/console/settings", "/console/clock",
               "/console/backups", "/console/audit", "/console/stats", "/console/timebank", "/console/inventory",
               "/console/letterbox", "/console/prints", "/console/prints/poster",
               "/console/prints/shelf", "/console/behalf/item", "/console/behalf/notice", "/console/phones/1"]
    for path in console:
        page = phone.open(path)
        found[path] = axe_violations(page)
    bad = {path: problems for path, problems in found.items() if problems}
    assert bad == {}, "\n".join(f"{path}: {problem}" for path, problems in bad.items() for problem in problems)


def test_the_checker_does_see_a_violation(phone):
    """A page made worse on purpose (an unlabelled field, an image without text): axe reports it."""
    phone.allow_error_status()  # the planted image is not there: a 404, on purpose
    page = phone.open("/give/offer")
    assert axe_violations(page) == []
    page.evaluate("""() => {
        document.querySelector('label[for="f-title"]').remove();
        document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/static/nothing.png">');
    }""")
    problems = " ".join(axe_violations(page))
    assert "label (critical)" in problems and "image-alt (critical)" in problems
