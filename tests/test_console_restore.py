"""Restoring a backup from the console of the running box (the real server): pick one of the box's
backups or upload one; the same checks as the command refuse a damaged file and change nothing; the
restored data is served at once, without a restart."""

import hashlib
import re
import secrets
import subprocess
import sys

from .board_factory import live_phone, submit
from .conftest import csrf_token

PASSWORD = "un mot de passe solide"


def volunteer(box):
    added = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(box.data_dir), "admin", "add",
                            "Claire"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    console = live_phone(box)
    form = console.get(box.url + "/console/login").text
    console.post(box.url + "/console/login", data={"name": "Claire", "password": PASSWORD,
                                                   "csrf_token": csrf_token(form)})
    return console


def offer(box, phone, title):
    submit(phone, "/give/offer", {"title": title, "category": "meubles", "where": "in_box"})
    return title in phone.get(box.url + "/give/").text


def test_restore_a_backup_of_the_box_then_refuse_a_damaged_upload(live_box, tmp_path):
    villager, console = live_phone(live_box), volunteer(live_box)
    assert offer(live_box, villager, "Armoire normande")
    page = console.get(live_box.url + "/console/backups").text
    download = console.post(live_box.url + "/console/backups/download", data={"csrf_token": csrf_token(page)})
    assert download.status_code == 200
    assert offer(live_box, villager, "Table de ferme")

    page = console.get(live_box.url + "/console/backups").text
    name = re.search(r'name="name" value="(boxlocale-backup-[^"]+)"', page).group(1)
    unconfirmed = console.post(live_box.url + "/console/backups/restore",
                               data={"csrf_token": csrf_token(page), "name": name})
    assert "Table de ferme" in villager.get(live_box.url + "/give/").text and "Cochez la case" in unconfirmed.text
    done = console.post(live_box.url + "/console/backups/restore",
                        data={"csrf_token": csrf_token(page), "name": name, "confirm": "1"})
    assert done.status_code == 200 and "Sauvegarde restaurée" in done.text
    listing = villager.get(live_box.url + "/give/").text
    assert "Armoire normande" in listing and "Table de ferme" not in listing
    assert list(live_box.data_dir.glob("before-restore-*/boxlocale.sqlite3"))

    # The box still takes posts on the restored database.
    assert offer(live_box, villager, "Buffet")
    # A damaged file, uploaded: refused by the same checks, and nothing changes.
    damaged = tmp_path / "boxlocale-backup-damaged.tar.gz"
    damaged.write_bytes(download.content[: len(download.content) // 2])
    console = volunteer_again(live_box)
    page = console.get(live_box.url + "/console/backups").text
    refused = console.post(live_box.url + "/console/backups/restore",
                           data={"csrf_token": csrf_token(page), "confirm": "1"},
                           files={"archive": (damaged.name, damaged.read_bytes(), "application/gzip")})
    assert refused.status_code == 400 and "rien n'a changé" in refused.text
    assert "Buffet" in villager.get(live_box.url + "/give/").text
    assert not list(live_box.data_dir.glob(".upload-*"))
    # The whole file, uploaded from the volunteer's phone: restored.
    good = console.post(live_box.url + "/console/backups/restore", data={"csrf_token": csrf_token(page), "confirm": "1"},
                        files={"archive": ("sauvegarde.tar.gz", download.content, "application/gzip")})
    assert good.status_code == 200 and "Sauvegarde restaurée" in good.text
    assert "Buffet" not in villager.get(live_box.url + "/give/").text
    assert not list(live_box.data_dir.glob(".upload-*"))
    # The box took its shared lock back: the command still refuses while it runs.
    archive = tmp_path / "again.tar.gz"
    archive.write_bytes(download.content)
    command = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(live_box.data_dir), "restore",
                              str(archive)], capture_output=True, text=True, timeout=60)
    assert command.returncode == 1 and "stop it first" in command.stderr


def volunteer_again(box):
    """The restored database has the volunteer of the backup's time: log in again."""
    console = live_phone(box)
    form = console.get(box.url + "/console/login").text
    console.post(box.url + "/console/login", data={"name": "Claire", "password": PASSWORD,
                                                   "csrf_token": csrf_token(form)})
    return console


def test_the_audit_log_names_a_restore_apart_from_a_post_put_back(app):
    from boxlocale.console.moderation import action_label

    with app.test_request_context("/"):
        assert str(action_label("restore_backup")) == "a restauré une sauvegarde"
        assert str(action_label("restore")) != str(action_label("restore_backup"))


def test_a_backup_larger_than_a_post_uploads_for_an_admin_only(live_box, tmp_path):
    """waitress refuses bodies over about 26 MB before the app sees them; the restore page takes a larger
    backup from a logged-in admin, while the same body from a phone without the console's cookie, or to
    any other page, is refused unread."""
    console = volunteer(live_box)
    assert offer(live_box, live_phone(live_box), "Armoire normande")
    # 30 MB of photo bytes (incompressible): the archive is larger than the 25 MB of a post.
    heavy = secrets.token_bytes(30 * 1024 * 1024)
    (live_box.data_dir / "photos").mkdir(exist_ok=True)
    (live_box.data_dir / "photos" / f"{hashlib.sha256(heavy).hexdigest()}.jpg").write_bytes(heavy)
    made = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(live_box.data_dir), "backup", "--to",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    archive = next(tmp_path.glob("boxlocale-backup-*.tar.gz"))
    assert archive.stat().st_size > 26 * 1024 * 1024
    upload = {"archive": ("sauvegarde.tar.gz", archive.read_bytes(), "application/gzip")}
    assert offer(live_box, live_phone(live_box), "Table de ferme")

    stranger = live_phone(live_box)
    page = stranger.get(live_box.url + "/console/login").text
    refused = stranger.post(live_box.url + "/console/backups/restore", files=upload,
                            data={"csrf_token": csrf_token(page), "confirm": "1"})
    assert refused.status_code == 413 and "trop" in refused.text.lower()  # the box's own page, in French
    page = console.get(live_box.url + "/console/backups").text
    assert "Un fichier de 2 Go au plus" in page and "/backups sur la box" in page
    elsewhere = console.post(live_box.url + "/board/new", files=upload, data={"csrf_token": csrf_token(page)})
    assert elsewhere.status_code == 413

    done = console.post(live_box.url + "/console/backups/restore", files=upload,
                        data={"csrf_token": csrf_token(page), "confirm": "1"})
    assert done.status_code == 200 and "Sauvegarde restaurée" in done.text
    listing = live_phone(live_box).get(live_box.url + "/give/").text
    assert "Armoire normande" in listing and "Table de ferme" not in listing
    assert not list(live_box.data_dir.glob(".upload-*"))


def test_a_backup_upload_is_let_in_only_as_large_as_the_disk_holds(tmp_path, small_filesystem):
    """On its way to a restore an upload is on the disk three times (serving.UPLOAD_COPIES): a larger
    one is refused before a byte of it is read, so it never fills the disk under the database."""
    import shutil
    import socket

    from boxlocale.serving import UPLOAD_COPIES

    from .conftest import LiveBox

    disk = small_filesystem("120m")
    box = LiveBox(disk / "data", env={"BOXLOCALE_MIN_FREE_DISK_MB": "1"}, log_dir=tmp_path)
    try:
        console = volunteer(box)
        room = (shutil.disk_usage(disk).free - 1024 * 1024) // UPLOAD_COPIES
        assert room > 30 * 1024 * 1024  # more than any post may carry: the larger limit is in use
        cookie = "; ".join(f"{name}={value}" for name, value in console.cookies.items())

        def headers_only(length):
            with socket.create_connection(("127.0.0.1", box.port), timeout=10) as connection:
                connection.sendall((f"POST /console/backups/restore HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    f"Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                                    f"Content-Length: {length}\r\n\r\n").encode())
                answer = b""
                while chunk := connection.recv(65536):  # waitress closes after its 413
                    answer += chunk
                return answer.decode(errors="replace")

        refused = headers_only(room + 2 * 1024 * 1024)  # without the check: let in, up to 2 GB
        assert refused.startswith("HTTP/1.1 413") and "trop" in refused.lower()
        page = console.get(box.url + "/console/backups").text
        fits = {"archive": ("sauvegarde.tar.gz", secrets.token_bytes(room - 4 * 1024 * 1024), "application/gzip")}
        let_in = console.post(box.url + "/console/backups/restore", files=fits,
                              data={"csrf_token": csrf_token(page), "confirm": "1"})
        assert let_in.status_code == 400 and "Traceback" not in let_in.text  # read, then refused: not an archive
        assert not list((disk / "data").glob(".upload-*"))
        assert box.session().get(box.url + "/healthz", timeout=10).status_code == 200
    finally:
        box.stop()
