"""The request log: a line per request, written a batch at a time (boxlocale.web.RequestLines)."""

import io
import logging
import re

import requests

from boxlocale import web


class CountingStream(io.StringIO):
    def __init__(self):
        super().__init__()
        self.writes = 0

    def write(self, text):
        self.writes += 1
        return super().write(text)


def request_logger(stream):
    logger = logging.getLogger("test.request_lines")
    logger.handlers, logger.propagate = [], False
    logger.setLevel(logging.INFO)
    handler = web.RequestLines(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    return logger, handler


def test_a_crowd_s_lines_are_written_together_in_order_and_none_is_lost():
    stream = CountingStream()
    logger, handler = request_logger(stream)
    for n in range(web.LINES_HELD * 3 + 5):
        logger.info("GET /give/ %d", n)
    assert stream.writes == 3  # a write per LINES_HELD lines, not one per line
    handler.flush()  # what logging.shutdown does when the box stops
    assert stream.getvalue().splitlines() == [f"GET /give/ {n}" for n in range(web.LINES_HELD * 3 + 5)]


def test_a_quiet_box_writes_a_line_held_too_long_at_its_next_view():
    stream = CountingStream()
    logger, handler = request_logger(stream)
    logger.info("GET / 200")
    assert stream.getvalue() == ""
    handler.held_since -= web.SECONDS_HELD  # as if that line had waited that long
    logger.info("GET /books/ 200")
    assert stream.getvalue().splitlines() == ["GET / 200", "GET /books/ 200"]


def test_the_held_lines_are_written_when_systemd_stops_the_box(live_box):
    """SIGTERM (systemd's stop, and this test's) lets waitress finish and the held lines be written: the
    last line is always held (no later view writes it)."""
    for path in ("/", "/give/", "/no-such-page"):
        requests.get(live_box.url + path, timeout=5)
    live_box.stop()
    log = live_box.output()
    assert re.search(r"GET / 200 [\d.]+ms cpu [\d.]+ms rendered", log)
    assert re.search(r"GET /give/ 200 .* (rendered|shared)", log)
    assert "GET /no-such-page 404" in log
    assert "Traceback" not in log
