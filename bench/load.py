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
