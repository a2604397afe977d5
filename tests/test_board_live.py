"""The noticeboard over the real server: phones with their own cookies, forms with CSRF tokens."""

import re
import sqlite3

from .board_factory import live_phone, submit


def notice_id_of(response):
    return int(re.search(r'href="/board/(\d+)"', response.text).group(1))


def test_post_reply_from_another_phone_close_then_thanks(live_box):
    margot, paul = live_phone(live_box), live_phone(live_box)
    posted = submit(margot, "/board/new", {"kind": "request", "category": "bricoler", "pseudonym": "Margot",
                                           "title": "Besoin d'aide pour déménager une armoire",
                                           "body": "Samedi matin, premier étage.\nCafé offert !"})
    assert posted.status_code == 201 and "bl_device" in margot.cookies
    notice_id = notice_id_of(posted)
    page = f"/board/{notice_id}"

    replied = submit(paul, page, {"body": "Je viens à 10h avec mon fils.", "pseudonym": "Paul"},
                     action=f"{page}/reply")
    assert replied.status_code == 303
    seen_by_margot = margot.get(live_box.url + page).text
    assert "Je viens à 10h avec mon fils." in seen_by_margot and 'href="/people/Paul"' in seen_by_margot
    assert "Samedi matin, premier étage.\nCafé offert !" in seen_by_margot  # plain text, line breaks kept

    assert submit(paul, page, {}, action=f"{page}/close").status_code == 403  # not his notice
    closed = submit(margot, page, {}, action=f"{page}/close")
    assert closed.status_code == 303
    assert "Fait" in margot.get(live_box.url + page).text
    assert "armoire" not in margot.get(live_box.url + "/board/").text  # done: off the board

    thanked = submit(paul, page, {"target": f"notice:{notice_id}", "next": page}, action="/thanks")
    assert thanked.status_code == 303
    assert "Merci envoyé" in paul.get(live_box.url + page).text
    profile = paul.get(live_box.url + "/people/Margot").text
    assert "1 merci reçu" in profile and "1 réalisée" in profile

    stats = paul.get(live_box.url + f"/api/v1/notices/{notice_id}").json()
    assert stats["status"] == "closed" and [r["pseudonym"] for r in stats["replies"]] == ["Paul"]


def test_weighted_reports_hide_a_notice_until_a_volunteer_decides(live_box):
    poster = live_phone(live_box)
    notice_id = notice_id_of(submit(poster, "/board/new", {"kind": "offer", "title": "Montres de luxe pas chères"}))
    page, target = f"/board/{notice_id}", f"notice:{notice_id}"

    def report(phone):
        done = submit(phone, f"/report?target={target}", {"target": target, "reason": "Publicité"}, action="/report")
        assert done.status_code == 200
        return done.text

    first = live_phone(live_box, source="127.0.0.2")  # reports weigh once per address
    assert "signalement est enregistré" in report(first)
    assert "déjà signalé" in report(first)  # the same phone twice still counts once
    assert poster.get(live_box.url + page).status_code == 200

    trusted = live_phone(live_box, source="127.0.0.3")
    submit(trusted, page, {"body": "Bonjour", "pseudonym": "Odile"}, action=f"{page}/reply")
    with sqlite3.connect(live_box.data_dir / "boxlocale.sqlite3") as db:  # what the console's "verify" does
        db.execute("UPDATE device SET verified_at = '2026-11-01 10:00:00' WHERE pseudonym = 'Odile'")
    assert "masqué" in report(trusted)  # 1 + 2 reaches the threshold of 3

    assert first.get(live_box.url + page).status_code == 404
    own = poster.get(live_box.url + page)  # its author reads that it is hidden, and why
    assert own.status_code == 200 and "Annonce masquée" in own.text and "Autre chose" in own.text
    assert poster.get(live_box.url + f"/api/v1/notices/{notice_id}").status_code == 404
    assert "Montres" not in poster.get(live_box.url + "/board/").text
