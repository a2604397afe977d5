"""The new pages through their HTML forms (CSRF on, no JavaScript): time bank buttons and errors, the
volunteers' corrections, the new settings, the draw form, the letterbox form, who may see the console pages."""

from boxlocale import settings
from boxlocale.models import Audit, Device, TimeEntry

from .board_factory import post_notice, submit
from .console_helpers import logged_in, post
from .test_console_settings import current_form


def closed_request(app):
    """Margot asks for help, Paul answers, Margot closes: returns the two phones and the notice id."""
    margot, paul = app.test_client(), app.test_client()
    post_notice(margot, kind="request", title="Aide pour la haie", pseudonym="Margot")
    submit(paul, "/board/1", {"body": "Je viens", "pseudonym": "Paul"}, action="/board/1/reply")
    submit(margot, "/board/1", {}, action="/board/1/close")
    return margot, paul


def test_record_then_confirm_with_the_button_and_errors_stay_on_the_form(app):
    margot, paul = closed_request(app)
    assert "/timebank/record/1" in paul.get("/board/1").get_data(as_text=True)
    refused = submit(paul, "/timebank/record/1", {"with": "Personne", "direction": "gave", "hours": "beaucoup"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="e-with"' in page and 'id="e-hours"' in page
    assert 'value="beaucoup"' in page  # nothing typed is lost
    recorded = submit(paul, "/timebank/record/1", {"with": "Margot", "direction": "gave", "hours": "2"})
    assert recorded.status_code == 201 and 'id="confirm-code"' in recorded.get_data(as_text=True)
    mine = margot.get("/timebank/").get_data(as_text=True)
    assert "En attente de votre confirmation" in mine and "/timebank/1/confirm" in mine
    assert paul.post("/timebank/1/confirm").status_code == 400  # no CSRF token: refused
    confirmed = submit(margot, "/timebank/", {}, action="/timebank/1/confirm")
    assert confirmed.status_code == 303
    assert "class=\"balance\">-2 heures<" in margot.get("/timebank/").get_data(as_text=True)
    wrong = submit(margot, "/timebank/", {"code": "ZZZZZZ"}, action="/timebank/code")
    assert wrong.status_code == 404 and "Aucun échange" in wrong.get_data(as_text=True)
    assert submit(margot, "/timebank/", {}, action="/timebank/1/dance").status_code == 404


def test_my_posts_shows_the_hours_to_confirm_and_those_asked_with_their_buttons(app):
    margot, paul = closed_request(app)
    submit(paul, "/timebank/record/1", {"with": "Margot", "direction": "gave", "hours": "2"})
    hers = margot.get("/mine").get_data(as_text=True)
    section = hers[hers.index('id="h-timebank"'):hers.index("Mes livres")]
    assert "Solde :" in section and ">0 heure<" in section
    assert "En attente de votre confirmation" in section and "2 heures" in section and "de Paul à Margot" in section
    assert "/timebank/1/confirm" in section and "/timebank/1/decline" in section
    assert "/timebank/1/withdraw" not in section  # only the one who recorded it may take it back
    his = paul.get("/mine").get_data(as_text=True)
    section = his[his.index('id="h-timebank"'):his.index("Mes livres")]
    assert "Notés par vous, pas encore confirmés" in section and "/timebank/1/withdraw" in section
    assert "/timebank/1/confirm" not in section

    confirmed = submit(margot, "/mine", {"next": "/mine#timebank"}, action="/timebank/1/confirm")
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/mine#timebank"
    hers = margot.get("/mine").get_data(as_text=True)
    assert 'class="balance">-2 heures<' in hers and "En attente de votre confirmation" not in hers
    assert 'class="balance">2 heures<' in paul.get("/mine").get_data(as_text=True)
    assert "Notés par vous" not in paul.get("/mine").get_data(as_text=True)
    english = margot.get("/mine", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "My time bank" in english and 'class="balance">-2 hours<' in english
    outside = submit(margot, "/mine", {"next": "//elsewhere.example/"}, action="/timebank/1/confirm")
    assert outside.headers["Location"] == "/timebank/"  # never sent off the box


def test_hours_to_confirm_show_on_the_other_ones_home_page_since_the_last_visit(app):
    margot, paul = closed_request(app)
    submit(margot, "/", {"next": "/"}, action="/seen")  # Paul's reply was news: read
    assert "h-since" not in margot.get("/").get_data(as_text=True)
    submit(paul, "/timebank/record/1", {"with": "Margot", "direction": "gave", "hours": "2"})
    home = margot.get("/").get_data(as_text=True)
    since = home[home.index('id="h-since"'):home.index("</section>", home.index('id="h-since"'))]
    assert "Des heures d'entraide attendent votre confirmation" in since and "Aide pour la haie" in since
    assert "Paul" in since and 'href="/mine#timebank"' in since
    assert "attendent votre confirmation" not in paul.get("/").get_data(as_text=True)  # he recorded them
    english = margot.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Hours of help wait for your confirmation" in english
    with app.app_context():  # the notice deleted for good meanwhile: the entry stays, with no title
        TimeEntry.update(notice=None).execute()
    home = margot.get("/").get_data(as_text=True)
    assert '<a href="/mine#timebank">Ma banque de temps</a>' in home
    submit(margot, "/", {"next": "/"}, action="/seen")
    assert "h-since" not in margot.get("/").get_data(as_text=True)


def test_hours_cannot_be_recorded_on_an_open_notice(app, client):
    post_notice(client, kind="offer", title="Je prête une échelle", pseudonym="Margot")
    assert "/timebank/record/1" not in client.get("/board/1").get_data(as_text=True)
    assert client.get("/timebank/record/1").status_code == 409


def test_a_moderator_corrects_and_cancels_entries_from_the_console(app):
    margot, paul = closed_request(app)
    submit(paul, "/timebank/record/1", {"with": "Margot", "direction": "gave", "hours": "2"})
    volunteer = logged_in(app, app.test_client(), role="moderator")
    assert paul.get("/console/timebank").status_code == 302  # a neighbour is sent to the login
    assert "Aide pour la haie" in volunteer.get("/console/timebank").get_data(as_text=True)
    assert post(volunteer, "/console/timebank/1", {"action": "correct", "hours": "1,5"}).status_code == 303
    bad = post(volunteer, "/console/timebank/1", {"action": "correct", "hours": "x"}, follow_redirects=True)
    assert "quarts d" in bad.get_data(as_text=True)
    post(volunteer, "/console/timebank/1", {"action": "cancel", "reason": "doublon"})
    with app.app_context():
        entry = TimeEntry.get_by_id(1)
        assert (entry.minutes, entry.status) == (90, "cancelled")
        assert [a.action for a in Audit.select().where(Audit.action.startswith("timebank"))] == [
            "timebank_correct", "timebank_cancel"]


def test_each_correction_form_of_the_console_has_its_own_labelled_fields(app):
    import re

    margot, paul = closed_request(app)
    submit(paul, "/timebank/record/1", {"with": "Margot", "direction": "gave", "hours": "2"})
    post_notice(margot, kind="offer", title="Je prête une échelle", pseudonym="Margot")
    submit(paul, "/board/2", {"body": "Je la prends"}, action="/board/2/reply")
    submit(margot, "/board/2", {}, action="/board/2/close")
    submit(paul, "/timebank/record/2", {"with": "Margot", "direction": "received", "hours": "1"})
    page = logged_in(app, app.test_client(), role="moderator").get("/console/timebank").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert [name for name in set(ids) if ids.count(name) > 1] == []
    fields = re.findall(r'<input id="([^"]+)" name="(hours|reason)"', page)
    assert len(fields) == 4 and all(f'<label for="{field_id}">' in page for field_id, _name in fields)


def test_the_new_settings_are_saved_and_checked(app, client):
    logged_in(app, client)
    form = current_form(app)
    form.update(timebank_limit_hours="5", draw_hours="12", draw_categories=["meubles", "inconnue"])
    assert post(client, "/console/settings", form).status_code == 302
    assert settings.get("timebank_limit_hours") == 5 and settings.get("draw_hours") == 12
    assert settings.get("draw_categories") == ["meubles"]
    refused = post(client, "/console/settings", {**form, "timebank_limit_hours": "-3"})
    assert refused.status_code == 400 and 'id="e-timebank_limit_hours"' in refused.get_data(as_text=True)


def test_joining_a_draw_needs_a_word_and_the_page_says_so(app, client):
    giver = app.test_client()
    submit(giver, "/give/offer", {"title": "Vélo enfant", "category": "enfants", "where": "in_box", "draw": "1"})
    code = client.get("/api/v1/items").get_json()["items"][0]["code"]
    page = client.get(f"/give/{code}").get_data(as_text=True)
    assert 'id="draw"' in page and f"/give/{code}/draw/interested" in page and f"/give/{code}/reserve" not in page
    refused = submit(client, f"/give/{code}", {"word": " "}, action=f"/give/{code}/draw/interested")
    assert refused.status_code == 400 and "Un mot de 2 à 30 caractères" in refused.get_data(as_text=True)
    joined = submit(client, f"/give/{code}", {"word": "Lili"}, action=f"/give/{code}/draw/interested")
    assert joined.status_code == 303
    assert "inscrit au tirage sous « Lili »" in client.get(f"/give/{code}").get_data(as_text=True)


def test_letterbox_and_vouch_forms_answer_clearly(app, client):
    wrong = submit(client, "/letterbox", {"code": "ABCDEFGH", "pseudonym": "Elsa"})
    assert wrong.status_code == 404 and "pas (ou plus) valable" in wrong.get_data(as_text=True)
    short = submit(client, "/letterbox", {"code": "AB"})
    assert short.status_code == 400 and 'id="e-code"' in short.get_data(as_text=True)
    post_notice(client, kind="info", title="Bonjour", pseudonym="Chloé")
    stranger = app.test_client()
    post_notice(stranger, kind="info", title="Salut", pseudonym="Zoé")
    page = stranger.get("/people/Chloé").get_data(as_text=True)
    assert "/people/Chlo%C3%A9/vouch" not in page  # not verified: no vouch button
    refused = submit(stranger, "/board/new", {}, action="/people/Chloé/vouch")  # a token from any form
    assert refused.status_code == 303
    assert "Seul un voisin vérifié" in stranger.get("/people/Chloé").get_data(as_text=True)
    with app.app_context():
        assert Device.get(Device.pseudonym == "Chloé").verified_at is None


def test_console_pages_of_inventory_and_letterbox_need_a_volunteer(app, client):
    logged_in(app, client, role="moderator")
    for path in ("/console/inventory", "/console/letterbox", "/console/timebank"):
        assert app.test_client().get(path).status_code == 302
    assert client.get("/console/inventory").status_code == 200
    made = post(client, "/console/letterbox", {"street": "Rue Haute", "address": "3 bis", "count": "3"})
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and page.count('class="letterbox-code"') == 3 and "Rue Haute, 3 bis" in page
    refused = post(client, "/console/letterbox", {"street": "", "count": "99"})
    assert refused.status_code == 400 and 'id="e-street"' in refused.get_data(as_text=True)
