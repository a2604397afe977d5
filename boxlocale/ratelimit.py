"""In-memory sliding-window rate limits (one process serves the box, so memory is the right place:
nothing is written to the SD card on a read)."""

import threading
import time
from collections import defaultdict, deque

from .errors import RateLimited

_hits = defaultdict(deque)
_lock = threading.Lock()


def hit(bucket, key, limit, per_seconds=3600, count=1):
    """Count ``count`` actions for ``key`` in ``bucket``; raise RateLimited, counting nothing, when
    that would go over ``limit``."""
    now = time.monotonic()
    with _lock:
        window = _hits[(bucket, key)]
        while window and window[0] <= now - per_seconds:
            window.popleft()
        if len(window) + count > limit:
            raise RateLimited(retry_after=_free_at(window, count, limit) + per_seconds - now)
        window.extend([now] * count)


def check(bucket, key, limit, per_seconds=3600, count=1):
    """Raise RateLimited when ``count`` more actions of ``key`` would go over ``limit`` in
    ``bucket``; count nothing."""
    now = time.monotonic()
    with _lock:
        window = _hits.get((bucket, key))
        recent = [moment for moment in window or () if moment > now - per_seconds]
        if len(recent) + count > limit:
            raise RateLimited(retry_after=_free_at(recent, count, limit) + per_seconds - now)


def _free_at(window, count, limit):
    """When the window will have left room for ``count`` more (its oldest moments leave first)."""
    if count > limit or not window:
        return time.monotonic()
    return window[min(len(window) - 1, len(window) + count - limit - 1)]


def reset():
    with _lock:
        _hits.clear()
