"""The noticeboard's pages, reports and thanks through the HTML forms (CSRF on, no JavaScript)."""

import re

from boxlocale import settings
from boxlocale.models import Device, Flag, Notice, Thanks

from .board_factory import post_notice, submit


def manage_link(html):
    return re.search(r'href="http://localhost(/board/\d+/manage/[^"]+)"', html).group(1)


def test_posting_shows_the_private_link_once_and_it_works_from_another_phone(app, client):
    response = post_notice(client, title="Je prête une échelle", body="Alu, 4 m.\nÀ rendre dans la semaine.",
                           category="preter", pseudonym="Bernard")
    assert response.status_code == 201
    link = manage_link(response.get_data(as_text=True))
    page = client.get("/board/1").get_data(as_text=True)
    assert "Je prête une échelle" in page and "Bernard" in page and "Prêter & échanger" in page
    assert "Clore : c'est fait" in page  # the posting phone is the owner
    assert link not in page  # shown once only

    stranger = app.test_client()
    assert "Clore" not in stranger.get("/board/1").get_data(as_text=True)
    refused = submit(stranger, "/board/1", {}, action="/board/1/close")
    assert refused.status_code == 403
    other_phone = app.test_client()
    managed = other_phone.get(link).get_data(as_text=True)
    assert "Clore" in managed
    closed = submit(other_phone, link, {"manage": link.rsplit("/", 1)[1]}, action="/board/1/close")
    assert closed.status_code == 303
    with app.app_context():
        assert Notice.get_by_id(1).status == "closed"


def test_field_errors_keep_what_was_typed(client):
    response = post_notice(client, kind="event", title="Fê", body="Venez nombreux !", place="Salle des fêtes")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="e-title"' in html and 'id="e-starts_at"' in html
    assert "Venez nombreux !" in html and 'value="Salle des fêtes"' in html and 'value="Fê"' in html


def test_too_many_posts_get_a_clear_page_with_the_text_kept(app, client):
    with app.app_context():
        settings.save({"posts_per_hour": 1})
    assert post_notice(client, title="Première annonce").status_code == 201
    response = post_notice(client, title="Deuxième annonce", body="Mon texte précieux")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    html = response.get_data(as_text=True)
    assert "Mon texte précieux" in html and 'role="alert"' in html
    assert app.test_client().get("/board/new").status_code == 200  # a neighbour can still open the form


def test_replies_under_a_notice(app, client):
    post_notice(client, kind="request", title="Besoin d'aide pour une armoire")
    neighbour = app.test_client()
    empty = submit(neighbour, "/board/1", {"body": ""}, action="/board/1/reply")
    assert empty.status_code == 400 and 'id="e-body"' in empty.get_data(as_text=True)
    done = submit(neighbour, "/board/1", {"body": "Je viens samedi à 10h.", "pseudonym": "Jean-Paul"},
                  action="/board/1/reply")
    assert done.status_code == 303 and done.location.endswith("/board/1#reply-1")
    page = neighbour.get("/board/1").get_data(as_text=True)
    assert "Je viens samedi à 10h." in page and "Jean-Paul" in page


def test_the_report_page_reads_without_writing_then_confirms_calmly(app, client):
    post_notice(client, title="Je prête une échelle")
    reporter = app.test_client()
    with app.app_context():
        devices_before = Device.select().count()
    form = reporter.get("/report?target=notice:1")
    assert form.status_code == 200 and "Je prête une échelle" in form.get_data(as_text=True)
    assert "bl_device" not in form.headers.get("Set-Cookie", "")
    with app.app_context():
        assert Device.select().count() == devices_before
    unknown = submit(reporter, "/report?target=notice:1", {"target": "notice:1", "preset": "boring"}, action="/report")
    assert unknown.status_code == 400 and 'id="e-preset"' in unknown.get_data(as_text=True)
    too_long = submit(reporter, "/report?target=notice:1", {"target": "notice:1", "preset": "spam", "reason": "x" * 501},
                      action="/report")
    assert too_long.status_code == 400 and 'id="e-reason"' in too_long.get_data(as_text=True)
    form_html = form.get_data(as_text=True)
    assert 'name="preset" value="spam"' in form_html and 'value="not_a_gift"' in form_html
    done = submit(reporter, "/report?target=notice:1", {"target": "notice:1", "preset": "spam"}, action="/report")
    assert done.status_code == 200 and "signalement est enregistré" in done.get_data(as_text=True)
    again = submit(reporter, "/report?target=notice:1", {"target": "notice:1", "reason": "Encore"}, action="/report")
    assert again.status_code == 200 and "déjà signalé" in again.get_data(as_text=True)
    with app.app_context():
        assert [flag.reason for flag in Flag.select()] == ["spam"]  # a preset and no word is enough
    assert client.get("/report?target=notice:99").status_code == 404
    assert client.get("/report?target=nonsense").status_code == 404


def test_three_reports_hide_a_notice_from_the_board(app, client):
    post_notice(client, title="Vente de montres de luxe")
    for phone in range(3):  # three phones, each its own address (one laptop weighs once)
        neighbour = app.test_client()
        neighbour.environ_base["REMOTE_ADDR"] = f"10.42.0.{phone + 10}"
        submit(neighbour, "/report?target=notice:1", {"target": "notice:1", "reason": "Pub"}, action="/report")
    stranger = app.test_client()
    assert stranger.get("/board/1").status_code == 404  # its author still reaches it (below)
    assert "montres" not in client.get("/board/").get_data(as_text=True)
    assert "montres" not in neighbour.get("/").get_data(as_text=True)
    # Its author still reaches it, and reads that it is hidden and why.
    own = client.get("/board/1").get_data(as_text=True)
    assert "Annonce masquée" in own and "Autre chose" in own


def test_thanks_from_a_neighbour_show_on_the_posters_page(app, client):
    post_notice(client, title="Je prête une échelle", pseudonym="Bernard")
    neighbour = app.test_client()
    thanked = submit(neighbour, "/board/1", {"target": "notice:1", "next": "/board/1"}, action="/thanks")
    assert thanked.status_code == 303 and thanked.location.endswith("/board/1")
    assert "Merci envoyé" in neighbour.get("/board/1").get_data(as_text=True)
    again = submit(neighbour, "/board/1", {"target": "notice:1"}, action="/thanks")
    assert again.status_code == 303
    assert "déjà dit merci" in neighbour.get("/board/1").get_data(as_text=True)
    with app.app_context():
        assert Thanks.select().count() == 1
        bernard = Device.get(Device.pseudonym == "Bernard")
        bernard.verified_at = bernard.created_at
        bernard.save()
    page = client.get("/people/Bernard").get_data(as_text=True)
    assert "1 merci reçu" in page and "1 annonce publiée" in page and "Je prête une échelle" in page
    assert "voisin vérifié" in page and "Sur la box depuis" in page
    assert client.get("/people/Personne").status_code == 404


def test_the_board_filters_and_searches(app, client):
    post_notice(client, title="Je prête une échelle", category="preter")
    post_notice(client, kind="request", title="Cherche une bétonnière", category="bricoler")
    ladder, mixer = ">Je prête une échelle</a>", ">Cherche une bétonnière</a>"
    html = client.get("/board/?q=echelle").get_data(as_text=True)
    assert ladder in html and mixer not in html
    html = client.get("/board/?kind=request").get_data(as_text=True)
    assert mixer in html and ladder not in html
    html = client.get("/board/?category=preter&page=abc").get_data(as_text=True)
    assert ladder in html and mixer not in html


def test_the_board_speaks_english_too(client):
    post_notice(client, title="Je prête une échelle")
    html = client.get("/board/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Post a notice" in html and "I offer" in html
    assert "Publier une annonce" in client.get("/board/").get_data(as_text=True)


def test_the_pseudonym_page_lists_things_given(app, client):
    from datetime import datetime

    from boxlocale.models import Item

    post_notice(client, title="Je prête une échelle", pseudonym="Bernard")
    moment = datetime(2026, 11, 20)
    with app.app_context():
        bernard = Device.get(Device.pseudonym == "Bernard")
        for code, status in (("K7Q2", "taken"), ("K7Q3", "available")):
            Item.create(code=code, title=f"Poussette {code}", status=status, device=bernard, pseudonym="Bernard",
                        manage_hash="x", created_at=moment, updated_at=moment, expires_at=moment)
    page = client.get("/people/Bernard").get_data(as_text=True)
    assert "1 objet donné" in page and 'href="/give/K7Q2"' in page and "K7Q3" not in page
