"""Real Chromium as phones (phone size, JavaScript off, French) on the real box: the time bank, a fair
draw, the weekly inventory, neighbours who vouch and the letterbox code, the questions after a thanks."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from boxlocale.config import load_config

from . import browser
from .browser import expect, fits_the_phone
from .helpers import bearer
from .test_console_browser import log_in

chromium, phones = browser.chromium, browser.phones


@pytest.fixture
def phone_without_js(phones):
    return lambda: phones(javascript=False)


def post_notice(page, kind, title, pseudonym):
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + "/board/new")
    page.select_option("#f-kind", kind)
    page.fill("#f-title", title)
    page.fill("#f-pseudonym", pseudonym)
    page.click("form.stack button[type=submit]")
    page.click(".flash[role=status] a")
    return page.url


def test_hours_recorded_on_a_closed_notice_confirmed_by_code_on_the_other_phone(phone_without_js):
    margot, paul = phone_without_js(), phone_without_js()
    page = margot.open("/")
    notice_url = post_notice(page, "request", "Aide pour tailler la haie", "Margot")
    page2 = paul.open(notice_url.split(paul.box.url)[1])
    page2.fill("#f-body", "Je passe samedi avec mon taille-haie.")
    page2.fill("#f-pseudonym", "Paul")
    page2.click("form.stack button[type=submit]")
    page.reload()
    expect(page.locator("a:has-text('Noter les heures')")).to_have_count(0)  # still open: nothing to record
    page.click("form[action$='/close'] button")

    page2.reload()
    page2.click("a:has-text('Noter les heures données')")
    assert page2.locator("h1").inner_text() == "Noter les heures données"
    page2.select_option("#f-direction", "gave")
    page2.fill("#f-with", "Margot")
    page2.fill("#f-hours", "1h30")
    page2.fill("#f-note", "La haie du jardin")
    assert fits_the_phone(page2)
    page2.click("form.stack button[type=submit]")
    assert page2.locator("h1").inner_text() == "Heures notées"
    code = page2.locator("#confirm-code").inner_text()
    assert len(code) == 6
    paul.shot("timebank-recorded")

    page.goto(margot.url("/"))
    page.click("a:has-text('Ma banque de temps')")
    assert "En attente de votre confirmation" in page.content()
    page.fill("#f-code", code.lower())
    page.click("form[action$='/timebank/code'] button")
    assert page.locator(".flash").first.inner_text().startswith("Confirmé : les heures comptent")
    assert "Solde : -1,5 heures" in page.locator("main").inner_text()
    assert fits_the_phone(page)
    margot.shot("timebank-mine")

    page2.goto(paul.url("/people/Paul"))
    text = page2.locator("main").inner_text()
    assert "Banque de temps" in text and "Solde : 1,5 heures" in text and "de Paul à Margot" in text


def set_box_clock(page, phone, ahead):
    """The volunteer sets the box's clock (the console's clock page, typed by hand without script)."""
    moment = datetime.now(ZoneInfo(load_config({"DATA_DIR": str(phone.box.data_dir)})["TIMEZONE"])) + ahead
    page.goto(phone.url("/console/clock"))
    page.fill("#f-phone_time", moment.strftime("%Y-%m-%dT%H:%M"))
    page.click("#clock-form button.primary")
    assert "horloge de la box est réglée" in page.content()


def test_a_fair_draw_its_seed_and_the_winner_shown_to_everyone(phone_without_js):
    giver, lili, max_, volunteer = (phone_without_js() for _ in range(4))
    page = giver.open("/give/offer")
    page.fill("#f-title", "Vélo enfant très demandé")
    page.fill("#f-pseudonym", "Martine")
    page.check("#f-draw")
    page.click("form.stack button[type=submit]")
    page.click("main a.btn.primary")
    item_path = page.url.split(giver.box.url)[1]
    assert "Tirage au sort" in page.locator("#draw").inner_text()
    expect(page.locator("#draw form")).to_have_count(0)  # the giver does not join their own draw

    for phone, word in ((lili, "Lili"), (max_, "Max")):
        mine = phone.open(item_path)
        assert mine.locator("form[action$='/reserve']").count() == 0  # no first come, first served
        mine.fill("#f-word", word)
        mine.click("#draw button.primary")
        assert mine.locator(".flash").first.inner_text().startswith("Vous êtes inscrit au tirage")
        assert f"Vous êtes inscrit au tirage sous « {word} »" in mine.locator("#draw").inner_text()
    lili.shot("draw-joined")

    set_box_clock(log_in(volunteer), volunteer, timedelta(hours=25))
    seen = {}
    for phone, word in ((lili, "Lili"), (max_, "Max"), (giver, None)):
        mine = phone.open(item_path)
        draw = mine.locator("#draw").inner_text()
        assert "Graine du tirage" in draw and "L'ordre du tirage" in draw
        seen[word] = [line.replace(" (vous)", "") for line in mine.locator("ol.draw-order li").all_inner_texts()]
        assert fits_the_phone(mine)
    assert seen["Lili"] == seen["Max"] == seen[None]  # the same outcome for everyone
    winner = seen[None][0].split()[0]
    winner_page = (lili if winner == "Lili" else max_).page
    assert "Vous avez gagné le tirage" in winner_page.locator("#draw").inner_text()
    assert "réservé" in winner_page.locator("p .status").inner_text()
    (lili if winner == "Lili" else max_).shot("draw-won")
    loser_page = (max_ if winner == "Lili" else lili).page
    assert "Vous avez gagné" not in loser_page.content()


def test_the_weekly_inventory_closes_what_is_not_ticked(phone_without_js, tmp_path):
    volunteer = phone_without_js()
    neighbour = requests.Session()
    key = neighbour.post(volunteer.url("/api/v1/devices")).json()["device_key"]
    codes = {}
    for title in ("Pull rouge", "Casserole", "Puzzle"):
        item = neighbour.post(volunteer.url("/api/v1/items"), json={"title": title, "where": "in_box"},
                              headers=bearer(key)).json()
        codes[title] = item["code"]
    page = log_in(volunteer)
    page.click("nav.console-nav a:has-text('Inventaire')")
    assert page.locator("ul.inventory li").count() == 3
    page.fill("#f-title", "Lampe de chevet")
    page.set_input_files("#f-photo", str(browser.camera_photo(tmp_path / "lampe.jpg")))
    page.click("form[action*='/inventory/add'] button")
    assert page.locator(".flash").first.inner_text().startswith("Ajouté : Lampe de chevet")
    assert page.locator("ul.inventory li").count() == 4
    assert page.locator("ul.inventory li", has_text="Lampe de chevet").locator("input[type=checkbox]").is_checked()
    page.locator("ul.inventory li", has_text="Pull rouge").locator("input[type=checkbox]").check()
    page.set_input_files("#f-box_photo", str(browser.camera_photo(tmp_path / "boite.jpg")))
    assert fits_the_phone(page)
    volunteer.shot("inventory")
    page.click("form[action$='/console/inventory'] button.primary, form[action*='/console/inventory?'] button.primary")
    assert page.locator(".flash").first.inner_text() == (
        "Inventaire enregistré : 2 encore là, 2 partis (comptés comme donnés), 1 ajoutés.")
    statuses = {title: neighbour.get(volunteer.url(f"/api/v1/items/{code}")).json()["status"]
                for title, code in codes.items()}
    assert statuses == {"Pull rouge": "available", "Casserole": "taken", "Puzzle": "taken"}
    assert page.locator("a:has-text('Photo de la boîte')").count() == 1
    page.goto(volunteer.url(f"/give/{codes['Casserole']}"))
    assert "plus dans la boîte à l'inventaire de la semaine" in page.locator("main").inner_text()
    page.goto(volunteer.url("/console/stats"))
    row = page.locator("#inventory ~ table tbody tr").first.inner_text().split("\t")
    assert row[1:] == ["1", "2", "2", "1"]


def test_neighbours_vouch_and_a_letterbox_code_gives_the_badge(phone_without_js):
    volunteer, anne, bruno, chloe, elsa = (phone_without_js() for _ in range(5))
    for phone, name in ((anne, "Anne"), (bruno, "Bruno"), (chloe, "Chloé")):
        page = phone.open("/")
        post_notice(page, "info", f"Bonjour, je suis {name}", name)
    console = log_in(volunteer)
    for name in ("Anne", "Bruno"):
        console.goto(volunteer.url("/console/neighbours"))
        console.fill("#f-pseudonym", name)
        console.click("form.stack button.primary")

    for phone in (anne, bruno):
        page = phone.open("/people/Chloé")
        page.click("form[action$='/vouch'] button")
        assert page.locator(".flash").first.inner_text() == "Merci : vous recommandez Chloé."
    badge = bruno.page.locator("#badge").inner_text()
    assert "voisin vérifié" in badge and "recommandé par 2 voisins" in badge
    assert fits_the_phone(bruno.page)
    bruno.shot("vouched-badge")
    assert chloe.open("/people/Anne").locator("form[action$='/vouch']").count() == 1  # now she may vouch too

    console.goto(volunteer.url("/console/neighbours"))
    console.locator("li", has_text="Anne").locator("form[action$='/unverify'] button").click()
    page = elsa.open("/people/Chloé")
    expect(page.locator("#badge")).to_have_count(0)  # Anne's vouch went with her badge
    console.goto(volunteer.url("/console/audit"))
    log = console.locator("table").inner_text()
    assert "badge obtenu par la recommandation de deux voisins" in log and "badge tombé" in log

    console.goto(volunteer.url("/console/letterbox"))
    console.fill("#f-street", "Rue du Lavoir")
    console.fill("#f-address", "12")
    console.click("form.stack button.primary")
    code = console.locator("code.letterbox-code").first.inner_text()
    assert "Rue du Lavoir, 12" in console.locator(".letterbox-card").first.inner_text()

    page = elsa.open("/")
    page.click("a:has-text('Un code dans votre boîte aux lettres')")
    page.fill("#f-code", code)
    page.fill("#f-pseudonym", "Elsa")
    page.check("input[name=show_street]")
    assert fits_the_phone(page)
    page.click("form.stack button.primary")
    assert page.locator(".flash").first.inner_text().startswith("Bienvenue, voisin vérifié")
    assert page.locator("#badge").inner_text() == "✓ voisin vérifié · code dans la boîte aux lettres (Rue du Lavoir)"
    elsa.shot("letterbox-badge")
    elsa.allow_error_status()
    page.goto(elsa.url("/letterbox"))
    page.fill("#f-code", code)
    page.click("form.stack button.primary")
    assert "pas (ou plus) valable" in page.locator("#e-code").inner_text()


def test_after_a_thanks_one_tap_says_we_met_and_the_figures_count_it(phone_without_js):
    giver, taker, volunteer = phone_without_js(), phone_without_js(), phone_without_js()
    page = giver.open("/give/offer")
    page.fill("#f-title", "Perceuse")
    page.select_option("#f-category", "outils")
    page.fill("#f-pseudonym", "Margot")
    page.click("form.stack button[type=submit]")
    page.click("main a.btn.primary")
    item_path = page.url.split(giver.box.url)[1]
    page2 = taker.open(item_path)
    page2.click("form[action$='/taken'] button")
    page2.click("form[action='/thanks'] button")
    assert page2.locator(".flash").first.inner_text().startswith("Merci envoyé")
    questions = page2.locator("form.thanks-questions")
    assert "Avez-vous rencontré quelqu'un de nouveau ?" in questions.inner_text()
    assert "auriez-vous acheté" in questions.inner_text()
    assert fits_the_phone(page2)
    taker.shot("thanks-questions")
    questions.locator("button[name=met_someone_new][value=yes]").click()
    assert page2.locator(".flash").first.inner_text() == "Merci pour votre réponse."
    assert page2.url.endswith(item_path)

    console = log_in(volunteer)
    console.goto(volunteer.url("/console/stats"))
    first_month = console.locator("table.monthly tbody tr").first.inner_text().split("\t")
    assert first_month[1] == "2.0" and first_month[3] == "1"  # kg reused, new acquaintances
