"""A small load generator: threads with keep-alive ``http.client`` connections, loopback only.

Bounded in count and in time: it stops at ``total`` requests or after ``seconds``, whichever comes first.
"""

import http.client
import threading
import time

PHONE_HEADERS = {"Accept-Language": "fr", "User-Agent": "boxlocale-bench"}


class Load:
    """One load run against a server on 127.0.0.1."""

    def __init__(self, port, paths, total, seconds, clients=4, headers=None):
        self.port = port
        self.paths = list(paths)
        self.total = total
        self.seconds = seconds
        self.clients = clients
        self.headers = dict(PHONE_HEADERS, **(headers or {}))
        self.lock = threading.Lock()
        self.issued = 0
        self.done = 0
        self.errors = 0
        self.bytes = 0
        self.first_error = None

    def _next_path(self):
        with self.lock:
            if self.issued >= self.total or time.perf_counter() >= self.deadline:
                return None
            path = self.paths[self.issued % len(self.paths)]
            self.issued += 1
            return path

    def _client(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            while (path := self._next_path()) is not None:
                body, problem = b"", None
                try:
                    connection.request("GET", path, headers=self.headers)
                    response = connection.getresponse()
                    body = response.read()
                    if response.status != 200:
                        problem = f"{path}: HTTP {response.status}"
                    if response.will_close:
                        connection.close()
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    problem = f"{path}: {error!r}"
                with self.lock:
                    self.done += 1
                    self.bytes += len(body)
                    if problem:
                        self.errors += 1
                        self.first_error = self.first_error or problem
        finally:
            connection.close()

    def run(self):
        """Run to the end; return a dict of requests, errors, seconds and requests per second."""
        started = time.perf_counter()
        self.deadline = started + self.seconds
        threads = [threading.Thread(target=self._client) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        return {
            "requests": self.done,
            "errors": self.errors,
            "first_error": self.first_error,
            "seconds": elapsed,
            "rps": self.done / elapsed if elapsed else 0.0,
            "bytes": self.bytes,
        }


def load(port, paths, total, seconds, clients=4, headers=None):
    return Load(port, paths, total, seconds, clients, headers).run()


def wire_get(port, path, headers=None):
    """One GET over a fresh connection; return (status, headers dict, body, bytes received on the wire)."""
    import socket

    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in dict(PHONE_HEADERS, **(headers or {})).items()]
    raw = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    response_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        response_headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), response_headers, body, len(raw)


# wrk (a C load generator, Debian package `wrk`): the load costs the client a fraction of what Python
# threads cost, so on 2 cores the server keeps its CPU. A Lua script cycles through the requests given.

WRK_SCRIPT = r"""
local requests, formatted, threads = {REQUESTS}, {}, {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  for i, r in ipairs(requests) do formatted[i] = wrk.format(r[1], r[2], r[3], r[4]) end
  position = (id * 7919) % #formatted
  failed, first_failure = 0, ""
end
function request()
  position = position % #formatted + 1
  return formatted[position]
end
function response(status, headers, body)
  if status >= 400 then
    failed = failed + 1
    if first_failure == "" then first_failure = "HTTP " .. status end
  end
end
function done(summary, latency, requests)
  local failures, first = 0, ""
  for _, thread in ipairs(threads) do
    failures = failures + thread:get("failed")
    if first == "" then first = thread:get("first_failure") end
  end
  local errors = summary.errors
  io.write(string.format('WRK-RESULT {"requests": %d, "microseconds": %d, "bytes": %d, ' ..
    '"socket_errors": %d, "http_errors": %d, "first_error": "%s", "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect + errors.read + errors.write + errors.timeout,
    failures, first, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _lua_string(text):
    return "[==[" + text + "]==]"


def wrk_available():
    import shutil

    return shutil.which("wrk") is not None


def wrk_load(port, requests, seconds, connections=4, threads=1, headers=None):
    """Run wrk against 127.0.0.1:port for ``seconds``; ``requests``: paths, or (method, path, headers, body).

    Returns the same dict as ``load`` (requests, errors, rps, ...) plus p50/p95/p99 latency in ms.
    """
    import json
    import subprocess
    import tempfile

    rows = []
    for entry in requests:
        method, path, extra, body = ("GET", entry, {}, None) if isinstance(entry, str) else entry
        request_headers = dict(PHONE_HEADERS, **(headers or {}), **extra)
        fields = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in request_headers.items())
        rows.append("{" + ", ".join([_lua_string(method), _lua_string(path), "{" + fields + "}",
                                     _lua_string(body) if body else "nil"]) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.replace("{REQUESTS}", "{" + ",\n".join(rows) + "}"))
    try:
        run = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{max(connections, threads)}", f"-d{max(1, round(seconds))}s",
             "--timeout", "30s", "-s", script.name, f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=seconds + 60)
    finally:
        import os

        os.unlink(script.name)
    line = next((line for line in run.stdout.splitlines() if line.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {run.stdout}\n{run.stderr}")
    result = json.loads(line.removeprefix("WRK-RESULT "))
    elapsed = result["microseconds"] / 1e6
    errors = result["socket_errors"] + result["http_errors"]
    return {"requests": result["requests"], "errors": errors,
            "first_error": result["first_error"] or (errors and "socket errors") or None,
            "seconds": elapsed, "rps": result["requests"] / elapsed if elapsed else 0.0, "bytes": result["bytes"],
            "p50_ms": result["p50_us"] / 1000, "p95_ms": result["p95_us"] / 1000, "p99_ms": result["p99_us"] / 1000}
