"""Posting for a neighbour without a phone: through the give-box's and the board's own rules, marked
"posted by the centre", with the contact they agreed to, never tied to the volunteer's phone."""

from html.parser import HTMLParser

from boxlocale.models import Audit, Item, Notice

from .console_helpers import logged_in, post


def test_an_offer_for_a_neighbour(app, client):
    logged_in(app, client)
    client.set_cookie("bl_device", "the-volunteers-own-phone-key")
    response = post(client, "/console/behalf/item", {
        "kind": "offer", "title": "Machine à coudre", "description": "Marche bien", "category": "maison",
        "condition": "good", "where": "at_giver", "pseudonym": "Madame Roux", "contact": "Demander à l'accueil",
        "agreed": "1"})
    assert response.status_code == 200
    with app.app_context():
        posted = Item.get(Item.title == "Machine à coudre")
        assert posted.on_behalf and posted.device_id is None and posted.pseudonym == "Madame Roux"
        assert posted.contact == "Demander à l'accueil"
        assert Audit.select().order_by(Audit.id.desc()).get().action == "post_on_behalf"
    html = response.get_data(as_text=True)
    assert f"/give/{posted.code}/manage/" in html
    page = app.test_client().get(f"/give/{posted.code}").get_data(as_text=True)
    assert "publié par le centre" in page and "Madame Roux" in page


def test_no_post_on_behalf_without_a_contact_and_consent(app, client):
    logged_in(app, client)
    response = post(client, "/console/behalf/item", {"kind": "wanted", "title": "Cherche déambulateur",
                                                     "category": "maison", "where": "in_box"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="e-contact"' in html and "Cochez la case" in html and "Cherche déambulateur" in html
    with app.app_context():
        assert not Item.select().exists()


def test_a_notice_for_a_neighbour(app, client):
    logged_in(app, client)
    response = post(client, "/console/behalf/notice", {
        "kind": "request", "title": "Cherche aide pour les courses", "body": "Le jeudi matin",
        "pseudonym": "Jeannette", "contact": "06 00 00 00 00", "agreed": "1"})
    assert response.status_code == 200
    with app.app_context():
        posted = Notice.get(Notice.title == "Cherche aide pour les courses")
        assert posted.on_behalf and posted.device_id is None and posted.contact == "06 00 00 00 00"
    assert "publié par le centre" in app.test_client().get(f"/board/{posted.id}").get_data(as_text=True)


def test_moderators_cannot_post_on_behalf(app, client):
    logged_in(app, client, name="Paul", role="moderator")
    assert post(client, "/console/behalf/notice", {"title": "x"}).status_code == 403


class FormFields(HTMLParser):
    """The controls of a page's forms by name: tag, attributes, options, and the label that names them."""

    def __init__(self, html):
        super().__init__()
        self.controls, self.labels, self._label, self._select = {}, {}, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self._label = attrs["for"]
            self.labels[self._label] = ""
        elif tag in ("input", "select", "textarea") and attrs.get("name"):
            control = self.controls.setdefault(attrs["name"], {"tag": tag, "attrs": [], "options": []})
            control["attrs"].append({key: value for key, value in attrs.items() if key != "checked"})
            self._select = control if tag == "select" else None
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] += data.strip()

    def field(self, name):
        control = self.controls[name]
        label_id = control["attrs"][0].get("id")
        return control, self.labels.get(label_id, "")


ITEM_FIELDS = ("title", "photo", "category", "condition", "where", "location_note", "description")
NOTICE_FIELDS = ("kind", "category", "title", "body", "starts_at", "ends_at", "destination", "seats", "place")


def test_the_console_forms_are_the_domains_own_fields(app, client):
    """One form definition per domain: the console adds its own fields (who, the agreed contact,
    consent) around the give-box's and the board's."""
    logged_in(app, client)
    phone = app.test_client()
    for domain_page, console_page, names in (("/give/offer", "/console/behalf/item", ITEM_FIELDS),
                                              ("/board/new", "/console/behalf/notice", NOTICE_FIELDS)):
        domain = FormFields(phone.get(domain_page).get_data(as_text=True))
        console = FormFields(client.get(console_page).get_data(as_text=True))
        for name in names:
            assert console.field(name) == domain.field(name), (console_page, name)
        assert {"pseudonym", "contact", "agreed"} <= set(console.controls)
