"""A corpus of XSS payloads posted into every field of notices, replies, reports and pseudonyms,
through the HTML forms and the API: no page may render one unescaped."""

import pytest

from .board_factory import submit
from .helpers import bearer

CORPUS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "</textarea><script>alert(4)</script>",
    '<a href="javascript:alert(5)">x</a>',
    "<iframe srcdoc='<b>6</b>'></iframe>",
    "</title><style>*{display:none}</style>",
    '<div style="background:url(javascript:alert(7))">',
]
NOTICE_FIELDS = ("title", "body", "place", "destination", "contact")
FORBIDDEN = ("<script", "<img src=x", "<svg", "<iframe", "<style>", '="javascript:', 'style="background')


def post_everything(app, payload):
    """Post the payload everywhere a villager can type; return the paths of the pages it may reach."""
    poster, neighbour = app.test_client(), app.test_client()
    html_pages = []
    data = {"kind": "carpool", "starts_at": "2030-05-01T08:00", "seats": "2", **dict.fromkeys(NOTICE_FIELDS, payload)}
    posted = submit(poster, "/board/new", data)
    assert posted.status_code == 201
    html_pages.append(posted.get_data(as_text=True))
    notice_id = app_last_notice_id(app)
    for field in ("starts_at", "ends_at", "seats", "pseudonym", "kind", "category"):  # refused fields come back
        refused = submit(poster, "/board/new", {**data, field: payload})
        assert refused.status_code == 400, field
        html_pages.append(refused.get_data(as_text=True))
    reply = submit(neighbour, f"/board/{notice_id}", {"body": payload}, action=f"/board/{notice_id}/reply")
    assert reply.status_code == 303
    for fields in ({"body": "Merci", "pseudonym": payload}, {"body": payload * 100}):
        refused = submit(neighbour, f"/board/{notice_id}", fields, action=f"/board/{notice_id}/reply")
        assert refused.status_code == 400
        html_pages.append(refused.get_data(as_text=True))
    report_page = f"/report?target=notice:{notice_id}&next=/board/{notice_id}"
    recorded = submit(neighbour, report_page, {"target": f"notice:{notice_id}", "reason": payload, "next": payload},
                      action="/report")
    refused = submit(app.test_client(), report_page, {"target": f"notice:{notice_id}", "reason": payload * 30},
                     action="/report")
    assert recorded.status_code == 200 and refused.status_code == 400
    html_pages += [recorded.get_data(as_text=True), refused.get_data(as_text=True)]
    thanks = submit(neighbour, f"/board/{notice_id}", {"target": f"notice:{notice_id}", "next": payload},
                    action="/thanks")
    assert thanks.status_code == 303 and "javascript" not in thanks.location and "<" not in thanks.location

    key = poster.post("/api/v1/devices").get_json()["device_key"]
    api = poster.post("/api/v1/notices", headers=bearer(key),
                      json={"kind": "offer", **dict.fromkeys(NOTICE_FIELDS, payload)})
    assert api.status_code == 201 and api.get_json()["title"] == payload  # JSON keeps the text as typed
    api_id = api.get_json()["id"]
    assert poster.post(f"/api/v1/notices/{api_id}/replies", headers=bearer(key),
                       json={"body": payload}).status_code == 201
    refused = poster.post("/api/v1/notices", headers=bearer(key),
                          json={"kind": "offer", "title": "Titre", "pseudonym": payload})
    assert refused.status_code == 400 and refused.mimetype == "application/json"
    return html_pages, [notice_id, api_id]


def app_last_notice_id(app):
    from boxlocale.models import Notice

    with app.app_context():
        return Notice.select().order_by(Notice.id.desc()).get().id


@pytest.mark.parametrize("payload", CORPUS)
def test_no_page_renders_a_payload_unescaped(app, client, payload):
    pages, notice_ids = post_everything(app, payload)
    paths = ["/", "/board/", "/board/?upcoming=1", "/board/?q=" + payload, "/report?target=notice:1&next=" + payload]
    for notice_id in notice_ids:
        paths += [f"/board/{notice_id}", f"/report?target=notice:{notice_id}", f"/report?target=reply:{notice_id}"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        pages.append(response.get_data(as_text=True))
    for html in pages:
        assert payload not in html
        lowered = html.lower()
        for danger in FORBIDDEN:
            assert danger not in lowered, danger


def test_a_payload_in_a_pseudonym_is_refused_everywhere(app, client):
    page = submit(client, "/board/new", {"kind": "offer", "title": "Échelle", "pseudonym": "<b>Bob</b>"})
    assert page.status_code == 400 and "&lt;b&gt;Bob&lt;/b&gt;" in page.get_data(as_text=True)
    assert client.get("/people/<b>Bob</b>").status_code == 404
