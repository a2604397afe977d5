"""Every attribute a form field asks for reaches the page as itself: no quote characters inside values."""

from html.parser import HTMLParser

from flask import render_template_string

from .console_helpers import add_volunteer, logged_in


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "textarea", "select") and dict(attrs).get("name"):
            self.fields[dict(attrs)["name"]] = dict(attrs)


def fields_of(html):
    parser = _Fields()
    parser.feed(html)
    return parser.fields


def assert_no_quotes(fields):
    for name, attrs in fields.items():
        for key, value in attrs.items():
            assert value is None or not set(value) & {'"', "'"}, f"{name} {key}={value!r}"


def test_the_field_macro_writes_each_attribute_unquoted(app):
    with app.test_request_context():
        html = render_template_string(
            '{% import "macros.html" as macros %}'
            '{{ macros.field("hold", "Hold", attrs={"min": 1, "max": 168, "inputmode": "numeric", '
            '"autocapitalize": "none", "multiple": true, "hidden": false, "evil": "\\" onfocus=x"}) }}')
    hold = fields_of(html)["hold"]
    assert hold["min"] == "1" and hold["max"] == "168"
    assert hold["inputmode"] == "numeric" and hold["autocapitalize"] == "none"
    assert "multiple" in hold and hold["multiple"] is None
    assert "hidden" not in hold
    assert hold["evil"] == '" onfocus=x' and "onfocus" not in hold  # escaped, never a new attribute


def test_book_form_attributes_reach_the_page(client):
    fields = fields_of(client.get("/books/new").get_data(as_text=True))
    assert fields["photo"]["accept"] == "image/jpeg,image/png,image/webp"
    assert fields["isbn"]["inputmode"] == "numeric"
    assert fields["code"]["autocapitalize"] == "characters"
    assert_no_quotes(fields)


def test_console_login_attributes_reach_the_page(app, client):
    add_volunteer(app)
    response = client.get("/console/login")
    assert response.status_code == 200
    fields = fields_of(response.get_data(as_text=True))
    assert fields["name"]["autocomplete"] == "username"
    assert fields["password"]["autocomplete"] == "current-password"
    assert_no_quotes(fields)


def test_console_settings_limits_reach_the_page(app, client):
    logged_in(app, client)
    fields = fields_of(client.get("/console/settings").get_data(as_text=True))
    assert fields["hold_hours"]["min"] == "1" and fields["hold_hours"]["max"] == "168"
    assert_no_quotes(fields)


def test_form_maxlengths_come_from_the_rules(client):
    from boxlocale.board import rules as board
    from boxlocale.books import rules as books
    from boxlocale.giveaway import rules as giveaway

    for path, limits in (("/give/offer", giveaway.FIELD_LIMITS), ("/books/new", books.FIELD_LIMITS),
                         ("/board/new", board.FIELD_LIMITS)):
        fields = fields_of(client.get(path).get_data(as_text=True))
        shown = {name: int(attrs["maxlength"]) for name, attrs in fields.items() if "maxlength" in attrs}
        assert shown and all(limits[name] == high for name, high in shown.items()), path


def test_photo_fields_carry_what_the_photo_script_needs(client):
    """The optional script (static/js/photos.js) reads the display size and the request limit here."""
    for path in ("/give/offer", "/books/new"):
        photo = fields_of(client.get(path).get_data(as_text=True))["photo"]
        assert photo["accept"] == "image/jpeg,image/png,image/webp" and photo["data-shrink"] == "1280"
        assert photo["data-max-bytes"] == str(25 * 1024 * 1024 - 64 * 1024)
        assert_no_quotes({"photo": photo})


def test_the_recovery_code_field_is_typed_as_a_code(client):
    code = fields_of(client.get("/mine/recover").get_data(as_text=True))["code"]
    assert (code["autocapitalize"], code["autocomplete"], code["spellcheck"]) == ("characters", "off", "false")
