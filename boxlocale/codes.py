"""Short codes people type or scan: Crockford base32 (no I, L, O, U; case-insensitive)."""

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
