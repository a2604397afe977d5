"""Prints: the poster for the physical box, the shelf sign, and the ways to the item and book labels
(the give-box and the shelf draw their own labels)."""

from flask import render_template, request
from flask_babel import gettext as _

from .. import qr, settings
from ..i18n import force_locale
from ..models import Item
from . import bp
from .session import requires

SIZES = ("a4", "a6")
LABELLED_ITEMS = 60


def _size():
    return request.args.get("size") if request.args.get("size") in SIZES else "a4"


def site_url():
    return f"http://{settings.get('host_name')}/"


def address_url():
    """The box in digits (http://10.42.0.1/): it opens even where the phone cannot resolve the name."""
    return f"http://{settings.get('box_address')}/"


def _wifi_qr():
    box = settings.all_settings()
    wifi = qr.wifi_payload(box["wifi_ssid"], box["wifi_password"])
    return qr.svg(wifi, label=_("Join the wifi %(name)s", name=box["wifi_ssid"]), css_class="qr poster-qr")


def _poster_steps():
    """The three pictured steps, in French and in English whatever the volunteer's language."""
    steps = {}
    for lang in ("fr", "en"):
        with force_locale(lang):
            steps[lang] = [
                _("Scan the first code with your phone's camera to join the box's wifi."),
                _("Scan the second code (or open %(url)s) to visit the box.", url=site_url()),
                _("Give, take, lend and help: everything stays in the village, nothing goes to the internet."),
            ]
            steps[lang + "_title"] = _("Free exchange box: scan me")
            steps[lang + "_wifi"] = _("1. Join the wifi")
            steps[lang + "_site"] = _("2. Open the box")
    return steps


@bp.route("/prints")
@requires("print")
def prints():
    items = (Item.select().where(Item.hidden == False, Item.status == "available", Item.location == "in_box")  # noqa: E712
             .order_by(Item.created_at.desc()).limit(LABELLED_ITEMS))
    return render_template("console/prints.html", items=items)


@bp.route("/prints/poster")
@requires("print")
def poster():
    return render_template(
        "console/poster.html", size=_size(), steps=_poster_steps(), site_url=site_url(), address_url=address_url(),
        wifi_qr=_wifi_qr(), site_qr=qr.svg(site_url(), label=site_url(), css_class="qr poster-qr"),
    )


@bp.route("/prints/shelf")
@requires("print")
def shelf_sign():
    url = site_url() + "books/"
    texts = {}
    for lang in ("fr", "en"):
        with force_locale(lang):
            texts[lang] = {
                "title": _("Travelling books"),
                "take": _("Take a book, read it, bring it back here or pass it on."),
                "scan": _("Scan the code on its label to tell its journey."),
                "give": _("Bring a book: register it on the box and stick its label inside."),
                "wifi": _("1. Join the wifi"),
                "site": _("2. Open the shelf"),
            }
    return render_template("console/shelf.html", size=_size(), texts=texts, url=url, wifi_qr=_wifi_qr(),
                           address_url=address_url() + "books/",
                           url_qr=qr.svg(url, label=url, css_class="qr poster-qr"))
