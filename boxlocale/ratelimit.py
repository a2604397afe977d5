"""In-memory sliding-window rate limits (one process serves the box, so memory is the right place:
nothing is written to the SD card on a read)."""

import threading
import time
from collections import defaultdict, deque

from .errors import RateLimited

_hits = defaultdict(deque)
_lock = threading.Lock()


def hit(bucket, key, limit, per_seconds=3600):
    """Count one action for ``key`` in ``bucket``; raise RateLimited when over ``limit``."""
    now = time.monotonic()
    with _lock:
        window = _hits[(bucket, key)]
        while window and window[0] <= now - per_seconds:
            window.popleft()
        if len(window) >= limit:
            raise RateLimited(retry_after=window[0] + per_seconds - now)
        window.append(now)


def check(bucket, key, limit, per_seconds=3600):
    """Raise RateLimited when ``key`` has already used up ``limit`` in ``bucket``; count nothing."""
    now = time.monotonic()
    with _lock:
        window = _hits.get((bucket, key))
        recent = [moment for moment in window or () if moment > now - per_seconds]
        if len(recent) >= limit:
            raise RateLimited(retry_after=recent[0] + per_seconds - now)


def reset():
    with _lock:
        _hits.clear()
