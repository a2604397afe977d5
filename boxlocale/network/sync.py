"""Carrying events between boxes: a folder (a USB stick, a Syncthing folder) or another box over HTTP.

The folder is plain immutable files: ``<DIR>/boxnet/v1/<box key>/<first seq>-<last seq>-<hash>.jsonl``,
one event record per line (format.py). A file is written to a temporary name, fsynced, then renamed:
a stick pulled out mid-sync holds whole files or none. A file that is junk, truncated or holds one
bad event is refused whole and named in the report; nothing of it is imported.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import clock, files
from ..db import writing
from ..errors import StorageFull
from ..models import NetBox, NetEvent, NetSegment, NetSync
from . import format as fmt
from . import log

FOLDER_NAME = Path("boxnet") / "v1"
SEGMENT_MAX_EVENTS = 5000
FILE_MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Report:
    came: int = 0
    went: int = 0
    ingest_seconds: float = 0.0  # time spent taking events in (checked, stored, applied)
    problems: list = field(default_factory=list)

    def summary(self):
        text = f"{self.came} event(s) came in, {self.went} went out"
        return text + ("; problems: " + "; ".join(self.problems) if self.problems else "")


# --- Reading a folder ------------------------------------------------------------------------------

def read_segment(path, known=None):
    """Every event of one file, checked → list of Events. Raises fmt.BadEvent for the whole file."""
    if path.stat().st_size > FILE_MAX_BYTES:
        raise fmt.BadEvent("file too large")
    box_dir = path.parent.name
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        raise fmt.BadEvent("file is truncated")
    events = []
    for number, line in enumerate(raw.splitlines(), 1):
        try:
            record = json.loads(line)
        except ValueError:
            raise fmt.BadEvent(f"line {number} is not an event") from None
        try:
            event = fmt.parse_record(record, known)
        except fmt.BadEvent as error:
            raise fmt.BadEvent(f"line {number}: {error}") from None
        if event.box != box_dir:
            raise fmt.BadEvent(f"line {number}: an event of another box")
        events.append(event)
    return events


_SEGMENT_NAME = re.compile(r"^(\d{10})-(\d{10})-[0-9a-f]{12}\.jsonl$")
_BOX_DIR = re.compile(r"^[0-9a-f]{64}$")


def segment_range(path):
    """(box, first seq, last seq) that a segment's name says it holds, or None for another name."""
    match = _SEGMENT_NAME.match(path.name)
    if not (match and _BOX_DIR.match(path.parent.name)):
        return None
    first, last = int(match[1]), int(match[2])
    # No writer puts more than SEGMENT_MAX_EVENTS in a file: a wider name is read (and checked).
    return (path.parent.name, first, last) if 1 <= first <= last < first + SEGMENT_MAX_EVENTS else None


def segment_name(path):
    return f"{path.parent.name}/{path.name}"


def read_folder(folder, report):
    """The events of a folder's good files not read here before → (events, {box: {seq: whether the
    folder holds its payload, None for a file not read}}, names of the files read); bad files go
    into the report.

    Files are immutable and named by their box, seq range and a hash of what they hold: a file this
    box has read whole before (``NetSegment``) is not read again, which keeps a sync of a stick that
    went round many boxes cheap. Every file that is read is checked whole, as always (a rewrite
    without a deleted post's content keeps its name: it only ever loses payloads)."""
    root = Path(folder) / FOLDER_NAME
    events, held, read = [], {}, []
    if not root.is_dir():
        return events, held, read
    seen = {name for (name,) in NetSegment.select(NetSegment.name).tuples()}
    known = None
    for path in sorted(root.glob("*/*.jsonl")):
        named = segment_range(path)
        if named and segment_name(path) in seen:
            seqs = held.setdefault(named[0], {})
            for seq in range(named[1], named[2] + 1):
                seqs.setdefault(seq, None)
            continue
        if known is None:
            known = dict(NetEvent.select(NetEvent.id, NetEvent.signature).tuples())
        try:
            segment = read_segment(path, known)
        except (fmt.BadEvent, OSError, UnicodeDecodeError) as error:
            report.problems.append(f"{path.relative_to(root)} refused ({error})")
            continue
        events.extend(segment)
        for event in segment:
            held.setdefault(event.box, {})[event.seq] = event.payload is not None
        if named:
            read.append(segment_name(path))
    return events, held, read


def remember_segments(names):
    """Files read whole (or written) here: not read again by the next syncs."""
    for start in range(0, len(names), 500):
        NetSegment.insert_many([{"name": name} for name in names[start:start + 500]]).on_conflict_ignore().execute()


# --- Writing a folder ------------------------------------------------------------------------------

def _write_atomically(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    files.atomic_write(path, text)


def write_segment(root, events):
    """One immutable file of one box's events (sorted by seq)."""
    events = sorted(events, key=lambda e: e.seq)
    text = "".join(fmt.canonical(event.record()) + "\n" for event in events)
    name = f"{events[0].seq:010d}-{events[-1].seq:010d}-{hashlib.sha256(text.encode()).hexdigest()[:12]}.jsonl"
    _write_atomically(root / events[0].box / name, text)
    return segment_name(root / events[0].box / name)


def write_folder(folder, held):
    """Write out what the folder lacks → how many events. Files still holding a deleted post's content
    are written again without it."""
    root = Path(folder) / FOLDER_NAME
    lacking = {}
    for event in log.missing_from(_ranges(held)):
        lacking.setdefault(event.box, []).append(event)
    count, written = 0, []
    for events in lacking.values():
        for start in range(0, len(events), SEGMENT_MAX_EVENTS):
            written.append(write_segment(root, events[start:start + SEGMENT_MAX_EVENTS]))
        count += len(events)
    _purge_deleted(root, held)
    _remove_leftovers(root)
    with writing():
        remember_segments(written)
    return count


def _ranges(held):
    ranges = {}
    for box, seqs in held.items():
        spans = []
        for seq in sorted(seqs):
            if spans and spans[-1][1] == seq - 1:
                spans[-1][1] = seq
            else:
                spans.append([seq, seq])
        ranges[box] = spans
    return ranges


def _purge_deleted(root, held):
    """A file holding a payload this box dropped (deleted content) is rewritten without it. ``held``
    says True (payload there) or None (file not read) for a seq: both may need a look."""
    dropped = {(row.box, row.seq) for row in NetEvent.select(NetEvent.box, NetEvent.seq).where(
        NetEvent.payload.is_null(), NetEvent.state.in_(log.PASSABLE))}
    dropped = {(box, seq) for box, seq in dropped if held.get(box, {}).get(seq, False) is not False}
    if not dropped:
        return
    known = dict(NetEvent.select(NetEvent.id, NetEvent.signature).where(
        NetEvent.box.in_(list({box for box, _seq in dropped}))).tuples())  # checked here already
    for path in sorted(root.glob("*/*.jsonl")):
        named = segment_range(path)
        if named and not any((named[0], seq) in dropped for seq in range(named[1], named[2] + 1)):
            continue
        try:
            events = read_segment(path, known)
        except (fmt.BadEvent, OSError, UnicodeDecodeError):
            continue
        if any((e.box, e.seq) in dropped and e.payload is not None for e in events):
            for event in events:
                if (event.box, event.seq) in dropped:
                    event.payload = None
            text = "".join(fmt.canonical(event.record()) + "\n" for event in events)
            _write_atomically(path, text)


def _remove_leftovers(root):
    """Temporary files of a sync that was cut off (power cut, stick pulled out)."""
    for path in root.glob("*/.*.tmp"):
        path.unlink(missing_ok=True)  # files.atomic_write's temporary names


# --- One sync ---------------------------------------------------------------------------------------

def sync_folder(folder):
    """Import what the folder has that this box lacks, then write out what the folder lacks."""
    report = Report()
    import time

    started = time.perf_counter()
    events, held, read = read_folder(folder, report)
    try:
        report.came = log.import_events(events)
        with writing():
            remember_segments(read)  # after the import committed: a refused one is read again
        report.ingest_seconds = time.perf_counter() - started
    except log.ImportRefused as error:
        report.problems.append(f"nothing imported: {error}")
        _record(report, "folder", str(folder))
        return report
    except StorageFull:
        report.problems.append("nothing imported: the box's disk is full")
        return report
    try:
        report.went = write_folder(folder, held)
    except OSError as error:
        report.problems.append(f"writing to the folder failed ({error.strerror or error}); "
                               "what was written is whole, run the sync again")
    _record(report, "folder", str(folder))
    return report


def _record(report, via, peer, box_key=None):
    with writing():
        NetSync.create(at=clock.now(), via=via, peer=peer[:200], came=report.came, went=report.went,
                       sent_seq=_own_head(), problems="; ".join(report.problems)[:2000])
        if box_key:
            NetBox.update(last_contact=clock.now()).where(NetBox.key == box_key).execute()


def _own_head():
    return NetEvent.select(NetEvent.seq).where(NetEvent.box == log.self_key()).order_by(
        NetEvent.seq.desc()).limit(1).scalar() or 0


# --- Over HTTP: each side proves itself with its box key ------------------------------------------
#
# The client asks for a fresh nonce, then sends a body naming both boxes and the nonce, signed with its
# key (X-Boxnet-Signature); the server answers only an admitted box, and signs its answer the same way.
# Two rounds: pull (the server's events the client lacks), push (the client's the server lacks).

SIGNATURE_HEADER = "X-Boxnet-Signature"
TIMEOUT = 30


class SyncError(Exception):
    pass


class TooLarge(SyncError):
    """A request or an answer beyond the bounds of one page."""


def sign_body(body):
    return log._self["key"].sign(body).signature.hex()


def verify_body(box_key, body, signature):
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    try:
        VerifyKey(bytes.fromhex(box_key)).verify(body, bytes.fromhex(signature or ""))
        return True
    except (BadSignatureError, ValueError):
        return False


def is_admitted(box_key):
    return NetBox.select().where(NetBox.key == box_key, NetBox.admitted == True).exists()  # noqa: E712


# A hostile or broken peer must not exhaust the box's memory: one answer or request holds at most
# PAGE_EVENTS events and PAGE_BYTES bytes (a page); a sync takes at most SYNC_BYTES in all, and pulls
# at most MAX_NEW_PER_BOX-worth of pages before it imports them in one transaction (the flood rule).
PAGE_EVENTS = 500
PAGE_BYTES = 4 * 1024 * 1024
SYNC_BYTES = FILE_MAX_BYTES
CHALLENGE_BYTES = 4096


def _read_bounded(answer, limit):
    raw = answer.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(f"the other box's answer is larger than {limit} bytes: refused")
    return raw


def _post(url, payload):
    import urllib.request

    body = fmt.canonical(payload).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: sign_body(body)})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
        return _read_bounded(answer, PAGE_BYTES), answer.headers.get(SIGNATURE_HEADER, "")


def _challenge(base):
    import urllib.request

    with urllib.request.urlopen(base + "/network/v1/challenge", timeout=TIMEOUT) as answer:
        data = json.loads(_read_bounded(answer, CHALLENGE_BYTES))
    return str(data["box"]), str(data["nonce"])


def _signed_answer(raw, signature, server, nonce):
    if not verify_body(server, raw, signature):
        raise SyncError("the other box's answer is not signed by its key")
    data = json.loads(raw)
    if data.get("from") != server or data.get("to") != log.self_key() or data.get("nonce") != nonce:
        raise SyncError("the other box's answer is not for this sync")
    return data


def page_of(events):
    """As many of ``events`` (records) as one page holds → (page, whether some are left)."""
    page, size = [], 0
    for record in events:
        size += len(fmt.canonical(record)) + 1
        if len(page) >= PAGE_EVENTS or (page and size > PAGE_BYTES - 64 * 1024):
            return page, True
        page.append(record)
    return page, False


def _with(ranges, events):
    """``ranges`` (seq_ranges) widened by the events just received, for the next page's request."""
    held = {box: {seq for a, b in spans for seq in range(int(a), int(b) + 1)} for box, spans in ranges.items()}
    for event in events:
        held.setdefault(event.box, set()).add(event.seq)
    return _ranges(held)


def _pull_all(base, server, me):
    """Every event the other box has and this one lacks, page by page → (events, the server's have)."""
    have, events, total = log.seq_ranges(), [], 0
    while True:
        server, nonce = _challenge(base)
        raw, signature = _post(base + "/network/v1/pull",
                               {"from": me, "to": server, "nonce": nonce, "have": have})
        total += len(raw)
        if total > SYNC_BYTES:
            raise SyncError(f"the other box sent more than {SYNC_BYTES} bytes in one sync: stopped")
        answer = _signed_answer(raw, signature, server, nonce)
        records = answer.get("events", [])
        if not isinstance(records, list) or len(records) > PAGE_EVENTS:
            raise SyncError(f"the other box sent more than {PAGE_EVENTS} events in one answer: refused")
        page = [fmt.parse_record(record) for record in records]
        events += page
        if len(events) > log.MAX_NEW_PER_BOX:
            raise log.ImportRefused(f"too many events at once ({len(events)})")
        if not answer.get("more") or not page:
            return events, answer.get("have", {})
        have = _with(have, page)


def sync_http(base):
    """Sync with another box at ``base`` (http://host:port)."""
    import urllib.error

    base, report = base.rstrip("/"), Report()
    me = log.self_key()
    try:
        server, _nonce = _challenge(base)
        if not is_admitted(server):
            raise SyncError("that box is not admitted in this box's network")
        events, their_have = _pull_all(base, server, me)
        report.came = log.import_events(events)
        outgoing = [event.record() for event in log.missing_from(their_have)]
        while outgoing:
            page, _more = page_of(outgoing)
            server, nonce = _challenge(base)
            raw, signature = _post(base + "/network/v1/push",
                                   {"from": me, "to": server, "nonce": nonce, "events": page})
            _signed_answer(raw, signature, server, nonce)
            report.went += len(page)
            outgoing = outgoing[len(page):]
    except urllib.error.HTTPError as error:
        report.problems.append(f"the other box refused: {error.read(2000).decode(errors='replace')[:300]}")
        server = None
    except (OSError, ValueError, KeyError, SyncError, fmt.BadEvent, log.ImportRefused) as error:
        report.problems.append(f"sync with {base} stopped: {error}")
        server = None
    _record(report, "http", base, box_key=server)
    return report


# Server side: nonces live in memory for a short while (a restart simply forgets them).
_NONCE_SECONDS = 120
_nonces = {}


def new_nonce():
    import secrets
    import time

    now = time.monotonic()
    for old in [n for n, expiry in _nonces.items() if expiry < now]:
        del _nonces[old]
    if len(_nonces) > 200:
        raise SyncError("too many syncs at once")
    nonce = secrets.token_hex(16)
    _nonces[nonce] = now + _NONCE_SECONDS
    return nonce


def check_request(raw, signature):
    """The body of a box's sync request, once its nonce, names and signature are right."""
    import time

    if len(raw) > PAGE_BYTES:
        raise TooLarge(f"a sync request holds at most {PAGE_BYTES} bytes")
    data = json.loads(raw)
    nonce, sender = data.get("nonce"), str(data.get("from", ""))
    if _nonces.pop(nonce, 0) < time.monotonic():
        raise SyncError("unknown or expired nonce: ask for a new one")
    if data.get("to") != log.self_key():
        raise SyncError("this request is for another box")
    if not is_admitted(sender):
        raise SyncError("your box is not admitted in this box's network")
    if not verify_body(sender, raw, signature):
        raise SyncError("bad signature")
    return data


def answer(data, **fields):
    """A signed answer → (body bytes, signature)."""
    body = fmt.canonical({"from": log.self_key(), "to": data["from"], "nonce": data["nonce"], **fields}).encode()
    return body, sign_body(body)


def serve_pull(data):
    """One page of the events the asking box lacks; ``more`` when it should ask again."""
    events, more = page_of(event.record() for event in log.missing_from(data.get("have", {})))
    with writing():
        NetBox.update(last_contact=clock.now()).where(NetBox.key == data["from"]).execute()
    return answer(data, have=log.seq_ranges(), events=events, more=more)


def serve_push(data, address, per_hour):
    """Take in one page pushed by another box. Pages are small, so the flood rule counts the events
    pushed by that box and from that address over an hour (``per_hour``): a page that would go over
    either is refused whole (ratelimit.RateLimited)."""
    from .. import ratelimit

    records = data.get("events", [])
    if not isinstance(records, list) or len(records) > PAGE_EVENTS:
        raise TooLarge(f"at most {PAGE_EVENTS} events in one push")
    events = [fmt.parse_record(record) for record in records]
    limits = [("network_push_box", data["from"]), ("network_push_address", address)]
    for bucket, key in limits:
        ratelimit.check(bucket, key, per_hour, count=len(events))
    for bucket, key in limits:
        ratelimit.hit(bucket, key, per_hour, count=len(events))
    came = log.import_events(events)
    report = Report(came=came)
    _record(report, "http", "pushed by " + data["from"][:16], box_key=data["from"])
    return answer(data, came=came)
