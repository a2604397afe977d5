"""Box settings from the console: every field checked, errors next to their field, saved and audited."""

import pytest

from boxlocale import settings
from boxlocale.console import settings_form
from boxlocale.models import Audit

from .console_helpers import logged_in, post


def current_form(app):
    with app.app_context():
        values = settings_form.form_values(settings_form.current_values())
    form = {key: str(value) for key, value in values.items() if key not in ("categories_off", "console_local_only")}
    return form


def test_every_volunteer_setting_is_on_the_page(app, client):
    logged_in(app, client)
    html = client.get("/console/settings").get_data(as_text=True)
    for name in settings_form.EDITABLE:
        assert f'name="{name}"' in html, name
    assert 'value="vetements"' in html and 'value="se-loger"' in html  # categories of both domains


def test_saving_changes_the_box(app, client):
    logged_in(app, client)
    form = current_form(app)
    form.update(box_name="Box de Chavenay", village="Chavenay", book_prefix="chv", wifi_ssid="BoxLocale-Chavenay",
                host_name="Box.Lan", hold_hours="48", moderation_words="arnaque\nviagra, casino",
                default_language="en", console_local_only="1")
    response = post(client, "/console/settings", {**form, "categories_off": ["alimentation", "se-loger"]})
    assert response.status_code == 302
    with app.app_context():
        box = settings.all_settings()
        assert box["box_name"] == "Box de Chavenay" and box["book_prefix"] == "CHV" and box["host_name"] == "box.lan"
        assert box["hold_hours"] == 48 and box["default_language"] == "en" and box["console_local_only"] is True
        assert box["moderation_words"] == ["arnaque", "viagra", "casino"]
        assert box["categories_off"] == ["alimentation", "se-loger"]
        line = Audit.select().order_by(Audit.id.desc()).get()
        assert line.action == "settings" and "box_name" in line.detail and "wifi_password" not in line.detail
    assert "Box de Chavenay" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("field, value", [
    ("box_name", "x"), ("book_prefix", "TOOLONG"), ("book_prefix", "é1"), ("host_name", "not a host"),
    ("wifi_ssid", ""), ("wifi_ssid", "x" * 33), ("wifi_password", "short"), ("hold_hours", "0"),
    ("hold_hours", "abc"), ("report_threshold", "999"), ("default_language", "de"), ("portal_mode", "open"),
    ("moderation_words", "x" * 41),
])
def test_wrong_values_are_refused_next_to_their_field(app, client, field, value):
    logged_in(app, client)
    form = current_form(app)
    form.update({field: value, "village": "Gardé tel quel"})
    response = post(client, "/console/settings", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="e-{field}"' in html
    assert "Gardé tel quel" in html  # what was typed is kept
    with app.app_context():
        assert settings.get("village") == ""


def test_unknown_categories_are_ignored(app, client):
    logged_in(app, client)
    post(client, "/console/settings", {**current_form(app), "categories_off": ["nope", "jardin"]})
    with app.app_context():
        assert settings.get("categories_off") == ["jardin"]
