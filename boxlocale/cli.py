"""The command line: ``boxlocale serve | init | demo | check`` (the service unit calls these)."""

import argparse
import logging
import os
import signal
import sys

from . import __version__

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def _data_dir(args):
    return args.data_dir or os.environ.get("BOXLOCALE_DATA_DIR") or "./data"


def _app(args):
    from . import create_app

    return create_app({"DATA_DIR": _data_dir(args)})


def _two_malloc_arenas():
    """glibc gives each serving thread its own malloc heap; with 6 threads the process keeps several
    half-empty ones. Two are plenty for the box (a documented glibc knob, like MALLOC_ARENA_MAX)."""
    import ctypes

    m_arena_max = -8
    try:
        ctypes.CDLL("libc.so.6").mallopt(m_arena_max, 2)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def cmd_serve(args):
    import time

    started = time.perf_counter()
    _two_malloc_arenas()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format=LOG_FORMAT)
    # A line per request: skip what the format never shows (the caller's file and line, thread and
    # process names), the logging HOWTO's "optimization" settings. About a third of a line's cost.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    from . import service, web

    web.hold_request_lines(sys.stdout, logging.Formatter(LOG_FORMAT))
    # systemd stops the box with SIGTERM: waitress then finishes the requests under way, and the held
    # request lines are written, instead of the process dying mid-answer.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from .files import hold_data_dir

    # Under systemd the listening socket (port 80) comes from boxlocale.socket: no capability needed.
    sockets = service.inherited_sockets()
    # Held for the process's life: `boxlocale restore` refuses while a box runs on the data dir.
    args.data_dir_lock = hold_data_dir(_data_dir(args))
    app = _app(args)
    _clean_at_start(app)
    from . import server_errors
    from .serving import make_server

    server_errors.install(app)

    where = {"sockets": sockets} if sockets else {"host": args.host, "port": args.port}
    server = make_server(app, where, args.threads, per_address=app.config["CONNECTIONS_PER_ADDRESS"],
                         header_seconds=app.config["REQUEST_HEADER_SECONDS"])
    logging.getLogger("boxlocale").info(
        "boxlocale ready (data in %s, %.2fs to start)", app.config["DATA_DIR"], time.perf_counter() - started
    )
    server.print_listen("listening on http://{}:{}/")
    interval = service.watchdog_interval()
    if interval:
        service.start_watchdog(service.database_answers, interval)
    service.notify("READY=1")
    try:
        server.run()
    finally:
        service.notify("STOPPING=1")


def _clean_at_start(app):
    from .check import clean_at_start

    with app.app_context():
        for path in clean_at_start(app.config["DATA_DIR"]):
            logging.getLogger("boxlocale").warning("removed %s, left by a power cut or a kill", path)


def cmd_init(args):
    app = _app(args)
    print(f"boxlocale data dir ready: {app.config['DATA_DIR']}")


def cmd_demo(args):
    app = _app(args)
    from .demo import load_demo

    with app.app_context():
        loaded = load_demo()
    print("demo content loaded" if loaded else "demo content already there: nothing changed")


def cmd_check(args):
    from pathlib import Path

    from .check import database_file_problems, repair, run_checks

    # Before the app opens the database: opening would give an empty file a new, empty schema.
    problems = database_file_problems(Path(_data_dir(args)).resolve())
    if not problems:
        try:
            app = _app(args)
        except Exception as error:  # a database too damaged to even open is a finding, not a crash
            problems = [f"the database cannot be opened: {error}"]
        else:
            with app.app_context():
                if args.repair:
                    for path in repair(app.config["DATA_DIR"]):
                        print(f"removed: {path}")
                problems = run_checks(app.config["DATA_DIR"])
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("check: OK" if not problems else f"check: {len(problems)} problem(s)")
    return 1 if problems else 0


def _read_password():
    """From a prompt (asked twice) on a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password (8 characters or more): ")
        if getpass.getpass("The same password again: ") != password:
            raise SystemExit("the two passwords differ: nothing changed")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def cmd_admin(args):
    from .console import accounts
    from .errors import DomainError

    if args.action != "list" and not args.name:
        print(f"error: boxlocale admin {args.action} NAME", file=sys.stderr)
        return 2
    app = _app(args)
    with app.app_context():
        try:
            if args.action == "list":
                for volunteer in accounts.listing():
                    last = volunteer.last_login_at or "never"
                    print(f"{volunteer.name}\t{volunteer.role}\tlast login: {last}")
            elif args.action == "add":
                accounts.add(args.name, _read_password(), args.role)
                print(f"volunteer {args.name} added ({args.role}); log in at /console/")
            elif args.action == "remove":
                accounts.remove(args.name)
                print(f"volunteer {args.name} removed")
            else:
                accounts.set_password(args.name, _read_password())
                print(f"password of {args.name} changed; their open sessions are ended")
        except DomainError as error:
            details = "; ".join(str(text) for text in error.fields.values())
            print(f"error: {details or error.message}", file=sys.stderr)
            return 1
    return 0


def cmd_backup(args):
    from . import backup

    app = _app(args)
    with app.app_context():
        path = backup.create(app.config["DATA_DIR"], args.to, keep=args.keep)
    print(f"backup written: {path}")


def cmd_host_name(args):
    """Print the box's host name setting, or set it (deploy/pi/install.sh --host-name does)."""
    from . import settings
    from .console.settings_form import HOST_NAME

    app = _app(args)
    with app.app_context():
        if args.name is None:
            print(settings.get("host_name"))
            return 0
        name = args.name.strip().lower().rstrip(".")
        if not HOST_NAME.match(name):
            print("error: a host name like box.lan: letters, digits, dots and hyphens", file=sys.stderr)
            return 2
        settings.save({"host_name": name})
    print(f"host name set to {name} (restart the box to serve it: systemctl try-restart boxlocale)")
    return 0


def cmd_restore(args):
    from . import backup
    from .config import load_config

    data_dir = load_config({"DATA_DIR": _data_dir(args)})["DATA_DIR"]
    try:
        aside = backup.restore(args.archive, data_dir)
    except backup.BackupError as error:
        print(f"refused: {error}. Nothing was changed.", file=sys.stderr)
        return 1
    print(f"restored into {data_dir}; the previous data is kept in {aside}")
    # The restored log is older than what the box may have sent out since: a new key, announced by
    # the old one, so the box's history never forks.
    from .network import restore

    app = _app(args)
    with app.app_context():
        restore.start_new_key(app.config["DATA_DIR"])
    return 0


def cmd_sync(args):
    """Sync with a folder (a USB stick) or another box (http://...)."""
    from .network import sync

    app = _app(args)
    with app.app_context():
        if args.target.startswith(("http://", "https://")):
            report = sync.sync_http(args.target)
        else:
            report = sync.sync_folder(args.target)
    print(report.summary())
    return 1 if report.problems else 0


def _read_text(source):
    return sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()


def cmd_network(args):
    """The network of boxes: this box's join request, admitting a box, joining, the digest."""
    from .errors import DomainError
    from .network import admission, state

    app = _app(args)
    with app.app_context():
        try:
            if args.action == "request":
                print(admission.join_request())
            elif args.action == "admit":
                print(admission.admit(_read_text(args.file or "-")))
            elif args.action == "join":
                box = admission.join(_read_text(args.file or "-"))
                print(f"joined the network: admitted by {box.name or box.key[:16]}")
            elif args.action == "digest":
                print(state.digest())
            else:
                from .network import restore

                print(f"new box key: {restore.start_new_key(app.config['DATA_DIR'])}")
        except DomainError as error:
            details = "; ".join(str(text) for text in error.fields.values())
            print(f"error: {details or error.message}", file=sys.stderr)
            return 1
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="boxlocale", description="boxlocale: the offline box for a village.")
    parser.add_argument("--data-dir", help="where the database and photos live (default: $BOXLOCALE_DATA_DIR or ./data)")
    parser.add_argument("--version", action="version", version=f"boxlocale {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the box with waitress")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--threads", type=int, default=6)
    serve.set_defaults(func=cmd_serve)

    for name, func, text in (
        ("init", cmd_init, "create the data dir, the database and the secret key"),
        ("demo", cmd_demo, "load demo content (a French village box)"),
    ):
        command = sub.add_parser(name, help=text)
        command.set_defaults(func=func)

    check = sub.add_parser("check", help="check the database and the photo files; exit 1 on a problem")
    check.add_argument("--repair", action="store_true",
                       help="first remove what power cuts left: orphan photo files, temporary files, work folders")
    check.set_defaults(func=cmd_check)

    admin = sub.add_parser("admin", help="volunteer accounts: add NAME | list | remove NAME | passwd NAME")
    admin.add_argument("action", choices=("add", "list", "remove", "passwd"))
    admin.add_argument("name", nargs="?")
    admin.add_argument("--role", choices=("admin", "moderator"), default="admin")
    admin.set_defaults(func=cmd_admin)

    backup = sub.add_parser("backup", help="write a backup archive (database, photos, settings) into a folder")
    backup.add_argument("--to", required=True, help="the folder for the archive")
    backup.add_argument("--keep", type=int, default=None, help="keep only the newest N archives there")
    backup.set_defaults(func=cmd_backup)

    host_name = sub.add_parser("host-name", help="print the box's host name (box.lan), or set it to NAME")
    host_name.add_argument("name", nargs="?")
    host_name.set_defaults(func=cmd_host_name)

    restore = sub.add_parser("restore", help="restore a backup archive (stop the box first: refused while it runs)")
    restore.add_argument("archive")
    restore.set_defaults(func=cmd_restore)

    sync = sub.add_parser("sync", help="sync the network's news with a folder (USB stick) or http://other-box/")
    sync.add_argument("target")
    sync.set_defaults(func=cmd_sync)

    network = sub.add_parser("network", help="network of boxes: request | admit FILE | join FILE | digest | new-key")
    network.add_argument("action", choices=("request", "admit", "join", "digest", "new-key"))
    network.add_argument("file", nargs="?", help="the request or admission text (- or nothing: standard input)")
    network.set_defaults(func=cmd_network)

    # --data-dir is accepted after the subcommand too (boxlocale serve --data-dir D).
    for command in sub.choices.values():
        command.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
