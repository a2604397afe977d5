"""Real Chromium as phones (phone size, French), with JavaScript and without, on the real box: the time
bank (recorded on a closed notice, waiting on "my posts", confirmed by code), a fair draw and its outcome
on "since your last visit", the weekly inventory, neighbours who vouch and the letterbox code, the
questions after a thanks. With JavaScript, axe-core checks every page met."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from boxlocale.config import load_config

from . import browser
from .browser import axe_violations, expect, fits_the_phone
from .helpers import bearer
from .test_console_browser import log_in

chromium, phones = browser.chromium, browser.phones  # the fixtures
WITH_AND_WITHOUT_JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


def check(phone, page, javascript, name):
    """What every page met must be: it fits the phone, and (where scripts run) axe finds nothing serious."""
    assert fits_the_phone(page), name
    if javascript:
        assert axe_violations(page) == [], name
        # axe calls a repeated id "minor"; here it would tie a label to another entry's field.
        assert page.evaluate("""() => { const ids = [...document.querySelectorAll('[id]')].map(el => el.id);
                                        return ids.filter((id, i) => ids.indexOf(id) !== i); }""") == [], name
    phone.shot(name)


def post_notice(page, kind, title, pseudonym):
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + "/board/new")
    page.select_option("#f-kind", kind)
    page.fill("#f-title", title)
    page.fill("#f-pseudonym", pseudonym)
    page.click("form.stack button[type=submit]")
    page.click(".flash[role=status] a")
    return page.url


def record_hours(page, phone, javascript, with_whom, hours, note):
    """On the closed notice's page: "Record the hours given", filled in; returns the code shown."""
    page.click("a:has-text('Noter les heures données')")
    assert page.locator("h1").inner_text() == "Noter les heures données"
    page.select_option("#f-direction", "gave")
    page.fill("#f-with", with_whom)
    page.fill("#f-hours", hours)
    page.fill("#f-note", note)
    check(phone, page, javascript, "timebank-record")
    page.click("form.stack button[type=submit]")
    assert page.locator("h1").inner_text() == "Heures notées"
    code = page.locator("#confirm-code").inner_text()
    assert len(code) == 6
    check(phone, page, javascript, "timebank-recorded")
    return code


@WITH_AND_WITHOUT_JS
def test_hours_recorded_on_a_closed_notice_wait_on_my_posts_and_are_confirmed_by_code(phones, javascript):
    margot, paul = phones(javascript=javascript), phones(javascript=javascript)
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
    record_hours(page2, paul, javascript, "Margot", "2", "La haie")
    # Paul asked Margot to confirm: "my posts" says so, with the button to take it back.
    page2.goto(paul.url("/mine"))
    asked = page2.locator("#timebank")
    expect(asked.locator("ul.waiting-others li", has_text="de Paul à Margot")).to_be_visible()
    check(paul, page2, javascript, "timebank-my-posts-asked")
    asked.locator("ul.waiting-others button", has_text="Retirer").click()
    expect(page2.locator(".flash").first).to_have_text("Retiré : l'échange est annulé.")
    assert page2.url.endswith("/mine#timebank")
    expect(page2.locator("#timebank ul.waiting-others")).to_have_count(0)

    page2.goto(margot.url(notice_url.split(margot.box.url)[1]))  # a mistake: 1h30, not 2 hours
    code = record_hours(page2, paul, javascript, "Margot", "1h30", "La haie du jardin")

    page.goto(margot.url("/"))
    expect(page.locator("section.since li", has_text="attendent votre confirmation")).to_contain_text(
        "Aide pour tailler la haie")
    check(margot, page, javascript, "timebank-home-since")
    page.click("nav a[href='/mine']")
    waiting = page.locator("#timebank")
    expect(waiting.locator("ul.waiting-confirmation li", has_text="1,5 heures")).to_be_visible()
    assert "En attente de votre confirmation" in waiting.inner_text() and "de Paul à Margot" in waiting.inner_text()
    expect(waiting.locator("ul.waiting-confirmation button", has_text="Confirmer")).to_be_visible()
    expect(waiting.locator("ul.waiting-confirmation button", has_text="Ce n'est pas juste")).to_be_visible()
    check(margot, page, javascript, "timebank-my-posts-to-confirm")
    waiting.locator("a", has_text="Confirmer avec un code").click()
    assert "En attente de votre confirmation" in page.content()
    page.fill("#f-code", code.lower())
    check(margot, page, javascript, "timebank-mine")
    page.click("form[action$='/timebank/code'] button")
    expect(page.locator(".flash").first).to_contain_text("Confirmé : les heures comptent")
    assert "Solde : -1,5 heures" in page.locator("main").inner_text()
    check(margot, page, javascript, "timebank-confirmed")
    page.goto(margot.url("/mine"))
    assert "Solde : -1,5 heures" in page.locator("#timebank").inner_text()
    expect(page.locator("#timebank ul.waiting-confirmation")).to_have_count(0)

    page2.goto(paul.url("/people/Paul"))
    text = page2.locator("main").inner_text()
    assert "Banque de temps" in text and "Solde : 1,5 heures" in text and "de Paul à Margot" in text
    check(paul, page2, javascript, "timebank-profile")

    # A volunteer corrects it (it was two hours after all); the log keeps it.
    volunteer = phones(javascript=javascript)
    console = log_in(volunteer)
    console.click("nav.console-nav a:has-text('Banque de temps')")
    entry = console.locator("main li", has_text="La haie du jardin")
    expect(entry.locator("input[name=hours]")).to_have_value("1,5")
    check(volunteer, console, javascript, "timebank-console")
    entry.locator("input[name=hours]").fill("2")
    entry.locator("input[name=reason]").fill("Deux heures en fait")
    entry.locator("button[value=correct]").click()
    expect(console.locator(".flash").first).to_have_text("Les heures sont corrigées.")
    page2.goto(paul.url("/people/Paul"))
    assert "Solde : 2 heures" in page2.locator("main").inner_text()


def set_box_clock(page, phone, ahead):
    """The volunteer sets the box's clock (the console's clock page, typed by hand without script)."""
    moment = datetime.now(ZoneInfo(load_config({"DATA_DIR": str(phone.box.data_dir)})["TIMEZONE"])) + ahead
    page.goto(phone.url("/console/clock"))
    page.fill("#f-phone_time", moment.strftime("%Y-%m-%dT%H:%M"))
    page.click("#clock-form button.primary")
    assert "horloge de la box est réglée" in page.content()


@WITH_AND_WITHOUT_JS
def test_a_fair_draw_its_seed_the_winner_and_each_ones_outcome_since_their_last_visit(phones, javascript):
    giver, lili, max_, volunteer = (phones(javascript=javascript) for _ in range(4))
    page = giver.open("/give/offer")
    page.fill("#f-title", "Vélo enfant très demandé")
    page.fill("#f-pseudonym", "Martine")
    page.check("#f-draw")
    check(giver, page, javascript, "draw-offer-form")
    page.click("form.stack button[type=submit]")
    page.click("main a.btn.primary")
    item_path = page.url.split(giver.box.url)[1]
    assert "Tirage au sort" in page.locator("#draw").inner_text()
    expect(page.locator("#draw form")).to_have_count(0)  # the giver does not join their own draw
    check(giver, page, javascript, "draw-open-giver")

    for phone, word in ((lili, "Lili"), (max_, "Max")):
        mine = phone.open(item_path)
        expect(mine.locator("form[action$='/reserve']")).to_have_count(0)  # no first come, first served
        mine.fill("#f-word", word)
        mine.click("#draw button.primary")
        expect(mine.locator(".flash").first).to_contain_text("Vous êtes inscrit au tirage")
        assert f"Vous êtes inscrit au tirage sous « {word} »" in mine.locator("#draw").inner_text()
    check(lili, lili.page, javascript, "draw-joined")

    set_box_clock(log_in(volunteer), volunteer, timedelta(hours=25))
    seen = {}
    for phone, word in ((lili, "Lili"), (max_, "Max"), (giver, None)):
        mine = phone.open(item_path)
        draw = mine.locator("#draw").inner_text()
        assert "Graine du tirage" in draw and "L'ordre du tirage" in draw
        seen[word] = [line.replace(" (vous)", "") for line in mine.locator("ol.draw-order li").all_inner_texts()]
        check(phone, mine, javascript, f"draw-drawn-{word or 'giver'}")
    assert seen["Lili"] == seen["Max"] == seen[None]  # the same outcome for everyone
    winner_word = seen[None][0].split()[0]
    winner, loser = (lili, max_) if winner_word == "Lili" else (max_, lili)
    assert "Vous avez gagné le tirage" in winner.page.locator("#draw").inner_text()
    assert "réservé" in winner.page.locator("p .status").inner_text()
    assert "Vous avez gagné" not in loser.page.content()

    # Everyone interested hears the outcome on "since your last visit".
    home = winner.open("/")
    expect(home.locator("section.since li", has_text="Vélo enfant très demandé")).to_contain_text(
        "Vous avez gagné le tirage : il vous est réservé")
    check(winner, home, javascript, "draw-home-won")
    home = loser.open("/")
    expect(home.locator("section.since li", has_text="Vélo enfant très demandé")).to_contain_text(
        "Le tirage ne vous a pas désigné cette fois")
    check(loser, home, javascript, "draw-home-not-drawn")
    home.click("section.since button[type=submit]")  # "Got it"
    expect(home.locator("#h-since")).to_have_count(0)

    # The winner lets it go: the next on the list gets it, and hears so.
    mine = winner.open("/mine")
    mine.locator("ul.mine li", has_text="Vélo enfant très demandé").locator("button",
                                                                          has_text="Annuler la réservation").click()
    expect(mine.locator(".flash").first).to_be_visible()
    home = loser.open("/")
    expect(home.locator("section.since li", has_text="Vélo enfant très demandé")).to_contain_text(
        "Le gagnant y a renoncé : il vous est réservé")
    check(loser, home, javascript, "draw-home-passed-on")
    home = winner.open("/")
    expect(home.locator("section.since li", has_text="Vélo enfant très demandé")).to_contain_text(
        "Votre tour au tirage est passé")
    item = loser.open(item_path)
    assert "réservé" in item.locator("p .status").inner_text()


@WITH_AND_WITHOUT_JS
def test_the_weekly_inventory_closes_what_is_not_ticked(phones, javascript, tmp_path):
    volunteer = phones(javascript=javascript)
    neighbour = requests.Session()
    key = neighbour.post(volunteer.url("/api/v1/devices")).json()["device_key"]
    codes = {}
    for title in ("Pull rouge", "Casserole", "Puzzle"):
        item = neighbour.post(volunteer.url("/api/v1/items"), json={"title": title, "where": "in_box"},
                              headers=bearer(key)).json()
        codes[title] = item["code"]
    page = log_in(volunteer)
    page.click("nav.console-nav a:has-text('Inventaire')")
    expect(page.locator("ul.inventory li")).to_have_count(3)
    check(volunteer, page, javascript, "inventory-list")
    page.fill("#f-title", "Lampe de chevet")
    page.set_input_files("#f-photo", str(browser.camera_photo(tmp_path / "lampe.jpg")))
    if javascript:  # the photo is made lighter in the phone first, with a preview
        expect(page.locator("#f-photo-preview img")).to_have_count(1)
    page.click("form[action*='/inventory/add'] button")
    expect(page.locator(".flash").first).to_contain_text("Ajouté : Lampe de chevet")
    expect(page.locator("ul.inventory li")).to_have_count(4)
    found = page.locator("ul.inventory li", has_text="Lampe de chevet")
    expect(found.locator("input[type=checkbox]")).to_be_checked()
    expect(found.locator("img.thumb")).to_have_count(1)  # its small picture, like the others'
    page.locator("ul.inventory li", has_text="Pull rouge").locator("input[type=checkbox]").check()
    page.set_input_files("#f-box_photo", str(browser.camera_photo(tmp_path / "boite.jpg")))
    if javascript:
        expect(page.locator("#f-box_photo-preview img")).to_have_count(1)
    check(volunteer, page, javascript, "inventory-ticked")
    page.click("form[action$='/console/inventory'] button.primary, form[action*='/console/inventory?'] button.primary")
    expect(page.locator(".flash").first).to_have_text(
        "Inventaire enregistré : 2 encore là, 2 partis (comptés comme donnés), 1 ajouté.")
    statuses = {title: neighbour.get(volunteer.url(f"/api/v1/items/{code}")).json()["status"]
                for title, code in codes.items()}
    assert statuses == {"Pull rouge": "available", "Casserole": "taken", "Puzzle": "taken"}
    expect(page.locator("a:has-text('Photo de la boîte')")).to_have_count(1)
    check(volunteer, page, javascript, "inventory-done")
    box_photo = page.locator("a:has-text('Photo de la boîte')").get_attribute("href")
    assert neighbour.get(volunteer.url(box_photo)).status_code == 404  # for the volunteers only
    assert page.request.get(volunteer.url(box_photo)).headers["content-type"] == "image/jpeg"  # with the cookie
    page.goto(volunteer.url(f"/give/{codes['Casserole']}"))
    assert "plus dans la boîte à l'inventaire de la semaine" in page.locator("main").inner_text()
    page.goto(volunteer.url("/console/stats"))
    row = page.locator("#inventory ~ table tbody tr").first.inner_text().split("\t")
    assert row[1:] == ["1", "2", "2", "1"]
    check(volunteer, page, javascript, "inventory-stats")


@WITH_AND_WITHOUT_JS
def test_neighbours_vouch_and_a_letterbox_code_gives_the_badge(phones, javascript):
    volunteer, anne, bruno, chloe, elsa = (phones(javascript=javascript) for _ in range(5))
    for phone, name in ((anne, "Anne"), (bruno, "Bruno"), (chloe, "Chloé")):
        page = phone.open("/")
        post_notice(page, "info", f"Bonjour, je suis {name}", name)
    console = log_in(volunteer)
    for name in ("Anne", "Bruno"):
        console.goto(volunteer.url("/console/neighbours"))
        console.fill("#f-pseudonym", name)
        console.click("form.stack button.primary")
    check(volunteer, console, javascript, "neighbours-verified")

    for phone in (anne, bruno):
        page = phone.open("/people/Chloé")
        check(phone, page, javascript, "vouch-button")
        page.click("form[action$='/vouch'] button")
        expect(page.locator(".flash").first).to_have_text("Merci : vous recommandez Chloé.")
    badge = bruno.page.locator("#badge").inner_text()
    assert "voisin vérifié" in badge and "recommandé par 2 voisins" in badge
    check(bruno, bruno.page, javascript, "vouched-badge")
    assert chloe.open("/people/Anne").locator("form[action$='/vouch']").count() == 1  # now she may vouch too

    console.goto(volunteer.url("/console/neighbours"))
    console.locator("li", has_text="Anne").locator("form[action$='/unverify'] button").click()
    page = elsa.open("/people/Chloé")
    expect(page.locator("#badge")).to_have_count(0)  # Anne's vouch went with her badge
    console.goto(volunteer.url("/console/audit"))
    log = console.locator("table").inner_text()
    assert "badge obtenu par la recommandation de deux voisins" in log and "badge tombé" in log
    check(volunteer, console, javascript, "audit-badges")

    console.goto(volunteer.url("/console/letterbox"))
    console.fill("#f-street", "Rue du Lavoir")
    console.fill("#f-address", "12")
    check(volunteer, console, javascript, "letterbox-form")
    console.click("form.stack button.primary")
    code = console.locator("code.letterbox-code").first.inner_text()
    assert "Rue du Lavoir, 12" in console.locator(".letterbox-card").first.inner_text()
    check(volunteer, console, javascript, "letterbox-cards")

    page = elsa.open("/")
    page.click("a:has-text('Un code dans votre boîte aux lettres')")
    page.fill("#f-code", code)
    page.fill("#f-pseudonym", "Elsa")
    page.check("input[name=show_street]")
    check(elsa, page, javascript, "letterbox-code-typed")
    page.click("form.stack button.primary")
    expect(page.locator(".flash").first).to_contain_text("Bienvenue, voisin vérifié")
    assert page.locator("#badge").inner_text() == "✓ voisin vérifié · code dans la boîte aux lettres (Rue du Lavoir)"
    check(elsa, page, javascript, "letterbox-badge")
    elsa.allow_error_status()
    page.goto(elsa.url("/letterbox"))
    page.fill("#f-code", code)
    page.click("form.stack button.primary")
    assert "pas (ou plus) valable" in page.locator("#e-code").inner_text()
    check(elsa, page, javascript, "letterbox-code-refused")


@WITH_AND_WITHOUT_JS
def test_after_a_thanks_one_tap_says_we_met_and_the_figures_count_it(phones, javascript):
    giver, taker, volunteer = (phones(javascript=javascript) for _ in range(3))
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
    expect(page2.locator(".flash").first).to_contain_text("Merci envoyé")
    questions = page2.locator("form.thanks-questions")
    assert "Avez-vous rencontré quelqu'un de nouveau ?" in questions.inner_text()
    assert "auriez-vous acheté" in questions.inner_text()
    check(taker, page2, javascript, "thanks-questions")
    questions.locator("button[name=met_someone_new][value=yes]").click()
    expect(page2.locator(".flash").first).to_have_text("Merci pour votre réponse.")
    assert page2.url.endswith(item_path)

    console = log_in(volunteer)
    console.goto(volunteer.url("/console/stats"))
    first_month = console.locator("table.monthly tbody tr").first.inner_text().split("\t")
    assert first_month[1] == "2.0" and first_month[3] == "1"  # kg reused, new acquaintances
    check(volunteer, console, javascript, "stats-monthly")
