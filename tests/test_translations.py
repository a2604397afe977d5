"""Every message of the code and templates has its French translation, and the compiled file is fresh."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from .conftest import ROOT

PO = ROOT / "boxlocale" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


def extracted_messages():
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    messages = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "boxlocale"), method_map, keywords=KEYWORDS
    ):
        messages.add((message if isinstance(message, str) else message[0], Path(filename).as_posix()))
    return messages


def test_every_message_has_a_french_translation():
    catalog = read_po(PO.open("rb"))
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and
                  (m.string if isinstance(m.string, str) else m.string[0])}
    missing = sorted(f"{where}: {text}" for text, where in extracted_messages() if text not in translated)
    assert not missing, "untranslated (add them to messages.po):\n" + "\n".join(missing)


def test_po_has_no_duplicate_entries():
    ids = [line for line in PO.read_text().splitlines() if line.startswith("msgid ")]
    dupes = {i for i in ids if ids.count(i) > 1 and i != 'msgid ""'}
    assert not dupes, dupes


def _messages(catalog):
    """{msgid: msgstr} of a catalog, without its header (each Babel version writes its own)."""
    def plain(value):
        return value if isinstance(value, str) else tuple(value)
    return {plain(m.id): plain(m.string) for m in catalog if m.id}


def test_compiled_catalog_is_up_to_date():
    # Compare what the compiled file says, not its bytes: any Babel may have compiled it.
    with MO.open("rb") as compiled, PO.open("rb") as source:
        assert _messages(read_mo(compiled)) == _messages(read_po(source)), \
            "run: pybabel compile -d boxlocale/translations"


def test_no_translation_is_stale_or_fuzzy():
    extracted = {text for text, _where in extracted_messages()}
    catalog = read_po(PO.open("rb"))
    stale = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                   if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in extracted)
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert not stale, "translations nothing uses any more (remove them from messages.po):\n" + "\n".join(stale)
    assert not fuzzy, f"fuzzy translations are not shown: {fuzzy}"


def test_labels_are_made_once_per_language_and_follow_the_language(app):
    """i18n.labels: a list's labels in the request's language, the same dict again for that language,
    never another language's (a force_locale inside a request reads its own)."""
    from flask_babel import force_locale

    from boxlocale.board.rules import KINDS
    from boxlocale.i18n import labels

    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = labels(KINDS)
        assert french == {value: str(label) for value, label in KINDS} and labels(KINDS) is french
        with force_locale("en"):
            english = labels(KINDS)
            assert english == {value: str(label) for value, label in KINDS} and english != french
        assert labels(KINDS) is french
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert labels(KINDS) == english
