"""The box settings volunteers change: what each accepts, checked before ``settings.save()``."""

import re

from flask_babel import lazy_gettext as _l

from .. import settings
from ..errors import ValidationError

# name -> (min length, max length)
TEXTS = {"box_name": (2, 60), "village": (0, 60), "welcome_text": (0, 1000), "opening_hours": (0, 300)}
# name -> (min, max)
NUMBERS = {"hold_hours": (1, 168), "item_expiry_days": (1, 365), "notice_expiry_days": (1, 365),
           "report_threshold": (1, 50), "posts_per_hour": (1, 1000), "replies_per_hour": (1, 1000),
           "timebank_limit_hours": (0, 200), "draw_hours": (1, 168)}
CHOICES = {
    "default_language": (("fr", "Français"), ("en", "English")),
    "portal_mode": (
        ("two_step", _l("Welcome page first, then the phone stays online (recommended)")),
        ("always_online", _l("Never show the welcome sheet (phones just join)")),
        ("always_portal", _l("Always show the welcome sheet")),
    ),
}
EDITABLE = (*TEXTS, "book_prefix", "default_language", "host_name", "wifi_ssid", "wifi_password",
            *NUMBERS, "categories_off", "portal_mode", "console_local_only", "moderation_words", "draw_categories")
HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_PREFIX = re.compile(r"^[A-Z0-9]{2,5}$")
WORDS_MAX, WORD_MAX = 100, 40


def category_choices():
    """Every category volunteers may switch off: the give-box's and the noticeboard's."""
    from ..board.rules import NOTICE_CATEGORIES
    from ..giveaway import rules as giveaway_rules

    return tuple(getattr(giveaway_rules, "CATEGORIES", ())) + tuple(NOTICE_CATEGORIES)


def current_values():
    values = settings.all_settings()
    return {name: values[name] for name in EDITABLE}


def form_values(values):
    """Settings as the form shows them (lists as one word per line)."""
    shown = dict(values)
    shown["moderation_words"] = "\n".join(values["moderation_words"])
    return shown


def clean(form):
    """The settings in a submitted form (a MultiDict), checked; raise ValidationError with every
    field's problem. Returns only what changed."""
    errors, values = {}, {}
    for name, (low, high) in TEXTS.items():
        values[name] = " ".join(form.get(name, "").split()) if name != "welcome_text" else form.get(name, "").strip()
        if not low <= len(values[name]) <= high:
            errors[name] = _l("Between %(low)d and %(high)d characters, please.", low=low, high=high)
    for name, (low, high) in NUMBERS.items():
        raw = form.get(name, "").strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            errors[name] = _l("A whole number between %(low)d and %(high)d, please.", low=low, high=high)
        else:
            values[name] = int(raw)
    for name, options in CHOICES.items():
        values[name] = form.get(name, "")
        if values[name] not in dict(options):
            errors[name] = _l("Choose from the list.")
    values["book_prefix"] = form.get("book_prefix", "").strip().upper()
    if not _PREFIX.match(values["book_prefix"]):
        errors["book_prefix"] = _l("2 to 5 capital letters or digits, please (for example CHV).")
    values["host_name"] = form.get("host_name", "").strip().lower().rstrip(".")
    if not HOST_NAME.match(values["host_name"]):
        errors["host_name"] = _l("A host name like box.lan: letters, digits, dots and hyphens.")
    values["wifi_ssid"] = form.get("wifi_ssid", "").strip()
    if not 1 <= len(values["wifi_ssid"].encode()) <= 32:
        errors["wifi_ssid"] = _l("Between 1 and 32 characters, please.")
    values["wifi_password"] = form.get("wifi_password", "")
    if values["wifi_password"] and not (8 <= len(values["wifi_password"]) <= 63 and values["wifi_password"].isascii()):
        errors["wifi_password"] = _l("Empty for an open wifi, or 8 to 63 characters without accents.")
    known = {value for value, _label in category_choices()}
    values["categories_off"] = sorted(set(form.getlist("categories_off")) & known)
    from ..giveaway.rules import CATEGORIES

    values["draw_categories"] = sorted(set(form.getlist("draw_categories")) & {value for value, _label in CATEGORIES})
    values["console_local_only"] = form.get("console_local_only") == "1"
    values["moderation_words"] = _words(form.get("moderation_words", ""), errors)
    if errors:
        raise ValidationError(fields=errors)
    current = settings.all_settings()
    return {name: value for name, value in values.items() if current[name] != value}


def _words(text, errors):
    words = []
    for word in re.split(r"[\n,;]+", text):
        word = " ".join(word.split())
        if word and word.casefold() not in (w.casefold() for w in words):
            words.append(word)
    if len(words) > WORDS_MAX or any(len(word) > WORD_MAX for word in words):
        errors["moderation_words"] = _l("At most 100 words or phrases of 40 characters each.")
    return words
