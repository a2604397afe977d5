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


# Book codes: the box's prefix (2 to 5 letters or digits) + a serial (public, e.g. CHV-0042) + a
# secret check part that only the label inside the book carries (full code, e.g. CHV-0042-K7QM).
# Labels printed before carry 2 characters (1,024 values: guessed in seconds); new ones carry 4
# (a million values, and wrong guesses are rate-limited). Both keep working.
BOOK_SERIAL_WIDTH = 4
BOOK_CHECK_LENGTH = 4
BOOK_CHECK_LENGTHS = (4, 2)
BOOK_PREFIX_LENGTHS = (3, 2, 4, 5)  # the most common first
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


def _readings(typed):
    """(prefix length, public key, check part or None) for each way to read a typed book code."""
    groups = [normalize(group) for group in _SEPARATORS.split(typed or "") if group.strip()]
    key = "".join(groups)
    # Hyphens (or spaces), when there, say where the prefix ends and where the check part starts.
    if not groups or len(groups[0]) < min(BOOK_PREFIX_LENGTHS):
        return []
    hyphenated = len(groups) >= 2 and len(groups[0]) in BOOK_PREFIX_LENGTHS
    prefix_lengths = (len(groups[0]),) if hyphenated else BOOK_PREFIX_LENGTHS
    # CHV0042-K7: a last group after a separator is the check part.
    check_lengths = (len(groups[-1]),) if len(groups) >= 2 else BOOK_CHECK_LENGTHS
    readings = []
    for length in prefix_lengths:
        rest = key[length:]
        if not rest:
            continue
        if hyphenated and len(groups) >= 3:
            last = groups[-1]
            if len(last) in BOOK_CHECK_LENGTHS and is_valid(last) and rest[:-len(last)].isdigit():
                readings.append((length, key[:-len(last)], last))  # CHV-0042-K7QM
            continue
        if hyphenated and len(groups) == 2 and groups[1].isdigit():
            readings.append((length, key, None))  # CHV-0042
            continue
        for check_length in check_lengths:
            if check_length not in BOOK_CHECK_LENGTHS:
                continue
            serial, check = rest[:-check_length], rest[-check_length:]
            if serial.isdigit() and is_valid(check):
                readings.append((length, key[:-check_length], check))
        if rest.isdigit() and len(groups) == 1:
            readings.append((length, key, None))
    return readings


def book_code_candidates(typed):
    """The readings of a typed book code, as (public key, check part or None), most likely first.

    Hyphens (or spaces) are optional: without them ``CHV004277`` may be serial 004277 or serial 0042
    with check part 77, so every reading is returned and the database decides.
    """
    seen, candidates = set(), []
    for _length, public_key, check in _readings(typed):
        if (public_key, check) not in seen:
            seen.add((public_key, check))
            candidates.append((public_key, check))
    return candidates


def parse_full_book_code(typed):
    """A full code typed for a book registered on another box → (public code, check part), or None.

    The prefix is 2 to 5 letters or digits (3 when no hyphen says), the serial digits, the check part
    2 or 4 Crockford characters."""
    letters = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    if not letters.isascii():
        return None
    for length, public_key, check in _readings(typed):
        serial = public_key[length:]
        if check and 1 <= len(serial) <= 8 and letters[:length].isalnum():
            return f"{letters[:length]}-{serial}", check
    return None
