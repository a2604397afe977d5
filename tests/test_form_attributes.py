"""Every attribute a form field asks for reaches the page as a real attribute (not escaped text that
the browser ignores): the photo pickers' accept, the code fields' autocomplete, the numbers' bounds."""

from html.parser import HTMLParser

import pytest

from .console_helpers import add_volunteer, logged_in


class Fields(HTMLParser):
    """The attributes of every input, textarea and select of a page, by id."""

    def __init__(self):
        super().__init__()
        self.by_id, self.names = {}, []

    def handle_starttag(self, tag, attrs):
        self.names.extend(name for name, _value in attrs)
        if tag in ("input", "textarea", "select"):
            found = dict(attrs)
            self.by_id[found.get("id")] = found


def fields_of(html):
    parser = Fields()
    parser.feed(html)
    # An escaped attribute list shows up as odd attribute names: '&#34;image', 'max=&#34;20&#34;'...
    odd = [name for name in parser.names if not name.replace("-", "").replace("_", "").isalnum()]
    assert odd == [], odd
    return parser.by_id


@pytest.mark.parametrize("path, field, expected", [
    ("/books/new", "f-isbn", {"inputmode": "numeric", "autocomplete": "off"}),
    ("/books/new", "f-photo", {"accept": "image/jpeg,image/png,image/webp", "data-shrink": "1280"}),
    ("/give/offer", "f-photo", {"accept": "image/jpeg,image/png,image/webp", "data-shrink": "1280",
                                "data-max-bytes": str(25 * 1024 * 1024 - 64 * 1024)}),
    ("/books/new", "f-code", {"autocapitalize": "characters", "autocomplete": "off"}),
    ("/mine/recover", "f-code", {"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}),
])
def test_public_form_attributes_reach_the_page(client, path, field, expected):
    found = fields_of(client.get(path).get_data(as_text=True))[field]
    assert {name: found.get(name) for name in expected} == expected


def test_console_form_attributes_reach_the_page(app, client):
    add_volunteer(app, "Odile")
    login_fields = fields_of(client.get("/console/login").get_data(as_text=True))
    assert login_fields["f-name"]["autocomplete"] == "username" and login_fields["f-name"]["autocapitalize"] == "none"
    assert login_fields["f-password"]["autocomplete"] == "current-password"
    logged_in(app, client)
    settings_fields = fields_of(client.get("/console/settings").get_data(as_text=True))
    assert (settings_fields["f-hold_hours"]["min"], settings_fields["f-hold_hours"]["max"]) == ("1", "168")
    assert settings_fields["f-report_threshold"]["max"] == "50"
    item_fields = fields_of(client.get("/console/behalf/item").get_data(as_text=True))
    assert item_fields["f-photo"]["accept"] == "image/jpeg,image/png,image/webp" and "multiple" in item_fields["f-photo"]
    notice_fields = fields_of(client.get("/console/behalf/notice").get_data(as_text=True))
    assert (notice_fields["f-seats"]["min"], notice_fields["f-seats"]["max"]) == ("1", "20")
