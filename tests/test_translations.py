"""Every message of the code and templates has its French translation, and the compiled file is fresh."""

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
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


def test_compiled_catalog_is_up_to_date():
    buffer = io.BytesIO()
    write_mo(buffer, read_po(PO.open("rb")))
    assert MO.read_bytes() == buffer.getvalue(), "run: pybabel compile -d boxlocale/translations"
