"""The waitress server of ``boxlocale serve``, bounded so one laptop cannot hold every connection.

waitress reads requests asynchronously: a half-sent request costs no thread, but it holds one of the
``connection_limit`` connections for as long as its sender trickles bytes (the idle timeout never
fires). Two bounds, per connection:

- a cap of open connections per remote address (a phone's browser opens about six), and
- a deadline for sending a request: the headers within ``HEADER_SECONDS``, the body at a pace
  a slow wifi still reaches.

On the Pi, nftables caps new connections per address before they reach the process (see
deploy/pi/dns-redirect.nft); this is the same bound where nftables is not there.

A connection over the cap gets a short 503 with ``Retry-After`` at once, then is closed, without a
byte of its request read. Its text is in French and English, the box's two languages, both: the
phone's language is in its request headers, and waiting for them would let the refused connections
hold the box as long as the ones the cap refuses them for (a laptop trickles its headers for 10 s).
"""

import copy
import socket
import tempfile
import threading
import time
from collections import Counter

from waitress import create_server
from waitress.buffers import OverflowableBuffer, TempfileBasedBuffer
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser

from .console import session

HEADER_SECONDS = 10
RETRY_AFTER_SECONDS = 5
_BUSY_TEXT = ("La boîte est très demandée en ce moment : réessayez dans quelques secondes.\n"
              "The box is very busy right now: please try again in a few seconds.\n").encode()
# Made once: a refused connection costs one send of these bytes.
BUSY_ANSWER = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: %d\r\nContent-Type: text/plain; charset=utf-8\r\n"
               b"Content-Language: fr, en\r\nContent-Length: %d\r\nConnection: close\r\n"
               b"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n"
               % (RETRY_AFTER_SECONDS, len(_BUSY_TEXT))) + _BUSY_TEXT
BODY_BASE_SECONDS = 30
BODY_MIN_BYTES_PER_SECOND = 16 * 1024


class BoundedChannel(HTTPChannel):
    """One connection: refused when its address holds too many, closed when a request is too slow."""

    per_address = 24
    header_seconds = HEADER_SECONDS
    _open = Counter()
    _open_lock = threading.Lock()

    def __init__(self, server, sock, addr, adj, map=None):
        self.request_started = None
        self._address = addr[0] if isinstance(addr, tuple) and addr else str(addr)
        with self._open_lock:
            self._open[self._address] += 1
            over = self.per_address and self._open[self._address] > self.per_address
        self._counted = True
        super().__init__(server, sock, addr, adj, map)
        if over:
            server.logger.warning("too many connections from %s: one refused", self._address)
            self._refuse()

    def _refuse(self):
        """Answer the 503 and close. A fresh socket's send buffer takes the few bytes whole; what the
        phone already sent is read and dropped, so the close is a FIN after the answer, not a reset
        that could make the phone lose it."""
        try:
            self.socket.send(BUSY_ANSWER)
            self.socket.shutdown(socket.SHUT_WR)
            for _ in range(4):  # a bounded read: a flood must not keep the event loop here
                if not self.socket.recv(65536, socket.MSG_DONTWAIT):
                    break
        except OSError:  # nothing arrived yet (BlockingIOError), or the phone is gone
            pass
        self.handle_close()

    def received(self, data):
        if data and self.request is None and self.request_started is None:
            self.request_started = time.monotonic()
        result = super().received(data)
        if self.request is None:  # the request came whole (or nothing is pending)
            self.request_started = None
        return result

    def readable(self):
        # Called on every turn of the event loop (at least once a second): the right place to notice a
        # request that is taking too long to arrive.
        if self.request_started is not None and self._too_slow(time.monotonic() - self.request_started):
            self.will_close = True
            return False
        return super().readable()

    def _too_slow(self, elapsed):
        request = self.request
        if request is None:
            return False
        if not request.headers_finished:
            return elapsed > self.header_seconds
        allowed = self.header_seconds + BODY_BASE_SECONDS + request.content_length / BODY_MIN_BYTES_PER_SECOND
        return elapsed > allowed

    def del_channel(self, map=None):
        if self._counted:
            self._counted = False
            with self._open_lock:
                self._open[self._address] -= 1
                if self._open[self._address] <= 0:
                    del self._open[self._address]
        super().del_channel(map)


class DataDirFile(TempfileBasedBuffer):
    """The file part of a request buffer: a file without a name in the data dir."""

    def __init__(self, data_dir, from_buffer=None):
        self.data_dir = data_dir
        super().__init__(from_buffer)

    def newfile(self):
        return tempfile.TemporaryFile("w+b", dir=self.data_dir)


class DataDirBuffer(OverflowableBuffer):
    """waitress's request buffer, spilling past its memory part into the data dir, not /tmp (memory on
    Debian 13, and counted in the unit's MemoryMax): for a backup upload."""

    def __init__(self, overflow, data_dir):
        super().__init__(overflow)
        self.data_dir = data_dir

    def _set_large_buffer(self):
        old = self.buf
        self.buf = DataDirFile(self.data_dir, old)
        if hasattr(old, "close"):
            old.close()
        self.overflowed = True


# A backup upload is on the data dir's disk three times at its peak (waitress's buffer, the form
# parser's file, the archive saved for the restore): it is let in only as large as that fits while
# leaving the box its MIN_FREE_DISK_MB, so a big upload never fills the disk under the database.
UPLOAD_COPIES = 3


def upload_room(data_dir, keep_bytes):
    """The largest backup upload the disk holds now (bytes)."""
    from .backup import disk_space

    try:
        free, _total = disk_space(data_dir)
    except OSError:
        return 0
    return max(0, (free - keep_bytes) // UPLOAD_COPIES)


class LargerUploadParser(HTTPRequestParser):
    """waitress's body limit (a little over the app's 25 MB) for every request but one: a backup sent to
    the console's restore page with a console cookie this box signed may be as large as that page
    takes and the disk holds (``upload_room``), and is buffered on the data dir's disk. An anonymous
    phone never gets more than the 25 MB; the app checks the volunteer as always."""

    upload_path = None
    upload_limit = 0
    secret_key = None
    data_dir = None
    keep_bytes = 0

    def parse_header(self, header_plus):
        super().parse_header(header_plus)
        if self.command == "POST" and self.path == self.upload_path and self.body_rcv is not None \
                and session.signed_by_this_box(self.headers.get("COOKIE"), self.secret_key):
            limit = min(self.upload_limit, upload_room(self.data_dir, self.keep_bytes))
            if limit <= self.adj.max_request_body_size:
                return  # no more room than for any post: the usual limit (and its 413 page)
            self.adj = copy.copy(self.adj)  # this request's own limits; received() reads them next
            self.adj.max_request_body_size = limit
            self.body_rcv.buf = DataDirBuffer(self.adj.inbuf_overflow, self.data_dir)


def make_server(app, where, threads, per_address, header_seconds):
    """A waitress server for ``app`` (``where``: host and port, or the sockets systemd passed)."""
    from .console import restore

    parser = type("BoxParser", (LargerUploadParser,), {
        "upload_path": restore.UPLOAD_PATH, "upload_limit": restore.UPLOAD_LIMIT + 1024 * 1024,
        "secret_key": app.config["SECRET_KEY"], "data_dir": str(app.config["DATA_DIR"]),
        "keep_bytes": app.config["MIN_FREE_DISK_MB"] * 1024 * 1024})
    channel = type("BoxChannel", (BoundedChannel,), {"per_address": per_address, "header_seconds": header_seconds,
                                                     "parser_class": parser})
    server = create_server(
        app,
        **where,
        threads=threads,
        connection_limit=200,
        # Idle keep-alive connections are closed after this; a slow request by the deadline above.
        channel_timeout=30,
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024,
        ident="boxlocale",
    )
    listeners = [server] if hasattr(server, "channel_class") else [
        dispatcher for dispatcher in server.map.values() if hasattr(dispatcher, "channel_class")
        and not isinstance(dispatcher, HTTPChannel)]
    for listener in listeners:
        listener.channel_class = channel
    return server
