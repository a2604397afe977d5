"""The event format, version 1 (docs/NETWORK.md): canonical JSON, SHA-256, Ed25519 (PyNaCl).

An event travels as a record ``{"h": HEADER, "s": SIGNATURE, "p": PAYLOAD}``: HEADER and PAYLOAD are
canonical JSON texts (``json.dumps`` with sorted keys, no spaces, UTF-8), SIGNATURE is the hex Ed25519
signature of HEADER's bytes by the box key the header names. The header carries the payload's SHA-256,
so a payload can be dropped (a deleted post) while the header stays verifiable. An event's id is the
SHA-256 of its header.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

FORMAT_VERSION = 1
HEADER_FIELDS = {"v", "box", "seq", "prev", "hlc", "kind", "payload"}
HEADER_MAX = 1024
PAYLOAD_MAX = 16 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,39}$")


class BadEvent(ValueError):
    """An event that is not well formed, not signed by its box, or whose payload does not match."""


def canonical(value):
    """The one encoding of a JSON value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Event:
    id: str
    box: str
    seq: int
    prev: str
    hlc: int
    kind: str
    header: str
    signature: str
    payload: str | None  # canonical JSON text, or None when dropped

    @property
    def data(self):
        return json.loads(self.payload) if self.payload is not None else None

    def record(self):
        """What travels (a stick's segment, an HTTP body)."""
        return {"h": self.header, "s": self.signature, "p": self.payload}


def make_event(signing_key: SigningKey, seq, prev, hlc, kind, payload):
    """Sign a new event of this box's log."""
    payload_text = canonical(payload)
    header = canonical({
        "v": FORMAT_VERSION, "box": signing_key.verify_key.encode().hex(), "seq": seq, "prev": prev,
        "hlc": hlc, "kind": kind, "payload": sha256(payload_text),
    })
    signature = signing_key.sign(header.encode()).signature.hex()
    return parse_record({"h": header, "s": signature, "p": payload_text})


def parse_record(record, known=None):
    """Check a travelling record whole → Event. Raises BadEvent saying what is wrong.

    ``known``: {event id: signature} of events already checked and stored; one of them with the same
    signature is not verified again (Ed25519 signatures are deterministic: the same header and key
    give the same signature), which keeps a sync of a full stick fast."""
    if not isinstance(record, dict) or set(record) != {"h", "s", "p"}:
        raise BadEvent("not an event record")
    header_text, signature, payload = record["h"], record["s"], record["p"]
    if not isinstance(header_text, str) or len(header_text) > HEADER_MAX:
        raise BadEvent("header missing or too long")
    try:
        header = json.loads(header_text)
    except ValueError:
        raise BadEvent("header is not JSON") from None
    if not isinstance(header, dict) or set(header) != HEADER_FIELDS:
        raise BadEvent("header fields are wrong")
    if header["v"] != FORMAT_VERSION:
        raise BadEvent(f"format version {header['v']!r} is not one this box reads")
    if canonical(header) != header_text:
        raise BadEvent("header is not in canonical form")
    _check_header(header)
    if not isinstance(signature, str) or not re.fullmatch(r"[0-9a-f]{128}", signature):
        raise BadEvent("signature missing")
    event_id = sha256(header_text)
    if not (known and known.get(event_id) == signature):
        try:
            VerifyKey(bytes.fromhex(header["box"])).verify(header_text.encode(), bytes.fromhex(signature))
        except (BadSignatureError, ValueError):
            raise BadEvent("bad signature") from None
    if payload is not None:
        _check_payload(payload, header["payload"])
    return Event(id=event_id, box=header["box"], seq=header["seq"], prev=header["prev"],
                 hlc=header["hlc"], kind=header["kind"], header=header_text, signature=signature,
                 payload=payload)


def _check_header(header):
    def is_int(value):
        return isinstance(value, int) and not isinstance(value, bool)

    if not (isinstance(header["box"], str) and _HEX64.match(header["box"])):
        raise BadEvent("box key is wrong")
    if not (is_int(header["seq"]) and 1 <= header["seq"] < 2**53):
        raise BadEvent("sequence number is wrong")
    prev = header["prev"]
    if not isinstance(prev, str) or (header["seq"] == 1) != (prev == "") or (prev and not _HEX64.match(prev)):
        raise BadEvent("previous event hash is wrong")
    if not (is_int(header["hlc"]) and 0 <= header["hlc"] < 2**63):
        raise BadEvent("time is wrong")
    if not (isinstance(header["kind"], str) and _KIND.match(header["kind"])):
        raise BadEvent("kind is wrong")
    if not (isinstance(header["payload"], str) and _HEX64.match(header["payload"])):
        raise BadEvent("payload hash is wrong")


def _check_payload(payload, expected_hash):
    if not isinstance(payload, str) or len(payload.encode()) > PAYLOAD_MAX:
        raise BadEvent("payload is not text or too long")
    if sha256(payload) != expected_hash:
        raise BadEvent("payload does not match its hash")
    try:
        value = json.loads(payload)
    except ValueError:
        raise BadEvent("payload is not JSON") from None
    if not isinstance(value, dict) or canonical(value) != payload:
        raise BadEvent("payload is not a canonical JSON object")


# --- Hybrid logical clock: milliseconds in the high bits, a counter in the low 16 ----------------

HLC_COUNTER_BITS = 16


def hlc_from_ms(milliseconds):
    return int(milliseconds) << HLC_COUNTER_BITS


def hlc_ms(hlc):
    return hlc >> HLC_COUNTER_BITS


def hlc_datetime(hlc):
    """The naive UTC time an HLC time stands for (when its box wrote the event, by that box's clock)."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(hlc_ms(hlc) / 1000, UTC).replace(tzinfo=None)
