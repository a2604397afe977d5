"""Short codes people type or scan: Crockford base32 (no I, L, O, U; case-insensitive)."""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What people type by mistake, read as what they meant.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def random_code(length):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize(typed):
    """Upper-case, confusables folded, spaces and hyphens dropped: what a code is compared as."""
    text = (typed or "").strip().upper().translate(_CONFUSABLES)
    return "".join(ch for ch in text if ch not in " -_.")


def is_valid(code):
    return bool(code) and all(ch in ALPHABET for ch in code)


# Book codes: the box's prefix + a serial (public, e.g. CHV-0042) + a short secret check part that
# only the label inside the book carries (full code, e.g. CHV-0042-K7).
BOOK_SERIAL_WIDTH = 4
BOOK_CHECK_LENGTH = 2
_SEPARATORS = re.compile(r"[\s\-_.]+")


def book_code(prefix, serial):
    """The public code of this box's book number ``serial``: ``CHV-0042``."""
    return f"{prefix.upper()}-{serial:0{BOOK_SERIAL_WIDTH}d}"


def new_check_part():
    return random_code(BOOK_CHECK_LENGTH)


def full_book_code(public_code, check_part):
    return f"{public_code}-{check_part}"


def book_key(code):
    """What two book codes are compared as: normalized, the prefix's O/0 and I/1/L made the same."""
    return normalize(code)


def book_code_candidates(typed):
    """The readings of a typed book code, as (public key, check part or None), most likely first.

    Hyphens (or spaces) are optional: when they are there they say where the check part starts;
    without them ``CHV004277`` may be serial 004277 or serial 0042 with check part 77, so both
    readings are returned and the database decides.
    """
    groups = [normalize(group) for group in _SEPARATORS.split(typed or "") if group.strip()]
    key = "".join(groups)
    prefix, rest = key[:3], key[3:]
    if len(prefix) < 3 or not rest:
        return []
    if len(groups) == 2 and len(groups[0]) == 3 and groups[1].isdigit():
        return [(key, None)]  # CHV-0042
    last = groups[-1]
    if len(groups) >= 2 and len(last) == BOOK_CHECK_LENGTH and is_valid(last) and rest[:-2].isdigit():
        return [(key[:-BOOK_CHECK_LENGTH], last)]  # CHV-0042-K7, CHV0042-K7
    candidates = []
    if len(rest) > BOOK_CHECK_LENGTH and rest[:-BOOK_CHECK_LENGTH].isdigit() and is_valid(rest[-2:]):
        candidates.append((prefix + rest[:-BOOK_CHECK_LENGTH], rest[-BOOK_CHECK_LENGTH:]))
    if rest.isdigit():
        candidates.append((prefix + rest, None))
    return candidates


def parse_full_book_code(typed):
    """A full code typed for a book registered on another box → (public code, check part), or None.

    The prefix is three letters, the serial digits, the check part two Crockford characters.
    """
    prefix = "".join(ch for ch in (typed or "").upper() if ch.isalnum())[:3]
    if not (len(prefix) == 3 and prefix.isascii() and prefix.isalpha()):
        return None
    for public_key, check in book_code_candidates(typed):
        serial = public_key[3:]
        if check and 1 <= len(serial) <= 8:
            return f"{prefix}-{serial}", check
    return None
