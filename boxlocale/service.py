"""What ``boxlocale serve`` needs from systemd, written by hand (no new dependency):
the listening socket it passes (socket activation) and sd_notify (READY=1, the watchdog).

Socket activation lets the service listen on port 80 with no capability at all and run with
``PrivateNetwork=yes``. The watchdog pings only after the database has answered, so a box whose
database hangs or breaks is restarted by systemd.
"""

import logging
import os
import socket
import threading

log = logging.getLogger("boxlocale.service")

SD_LISTEN_FDS_START = 3


def inherited_sockets():
    """The listening sockets systemd passed to this process (empty when started by hand).

    The variables are removed afterwards so a child process never takes the sockets for its own.
    """
    try:
        pid = int(os.environ.get("LISTEN_PID", ""))
        count = int(os.environ.get("LISTEN_FDS", ""))
    except ValueError:
        return []
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(name, None)
    if pid != os.getpid() or count < 1:
        return []
    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + count):
        os.set_inheritable(fd, False)
        sockets.append(socket.socket(fileno=fd))
    return sockets


def notify(message):
    """Send one sd_notify datagram to $NOTIFY_SOCKET; False when not run by systemd (or it failed)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket name
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), address)
        return True
    except OSError as error:
        log.warning("sd_notify failed: %s", error)
        return False


def watchdog_interval():
    """Seconds between watchdog pings (half of WatchdogSec), or None when there is no watchdog."""
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    watchdog_pid = os.environ.get("WATCHDOG_PID")
    if usec <= 0 or (watchdog_pid and watchdog_pid != str(os.getpid())):
        return None
    return usec / 2_000_000


def start_watchdog(is_healthy, interval):
    """A daemon thread that sends WATCHDOG=1 each time ``is_healthy()`` says yes, else a STATUS line."""
    stop = threading.Event()

    def run():
        while not stop.wait(interval):
            problem = None
            try:
                if not is_healthy():
                    problem = "health check failed"
            except Exception as error:  # whatever breaks, the ping must not be sent
                problem = str(error)
            if problem is None:
                notify("WATCHDOG=1")
            else:
                log.error("watchdog: %s: no ping, systemd will restart the box if this lasts", problem)
                notify(f"STATUS=unhealthy: {problem}")

    thread = threading.Thread(target=run, name="watchdog", daemon=True)
    thread.start()
    return stop


def database_answers():
    """The watchdog's health check: every table of the database can be read (see db.read_every_table)."""
    from .db import read_every_table

    read_every_table()
    return True
