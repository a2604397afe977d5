"""The console over the real server: the first volunteer made with `boxlocale admin add`, a login from a
phone's browser, the cookie's flags, a backup downloaded while the box serves."""

import io
import subprocess
import sys
import tarfile

from .conftest import csrf_token


def test_first_volunteer_login_and_backup_over_http(live_box):
    phone = live_box.session()
    assert "boxlocale admin add" in phone.get(live_box.url + "/console/").text
    added = subprocess.run([sys.executable, "-m", "boxlocale", "--data-dir", str(live_box.data_dir), "admin", "add",
                            "Claire"], input="un mot de passe solide\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    form = phone.get(live_box.url + "/console/login")
    assert "sans chiffrement" in form.text
    answer = phone.post(live_box.url + "/console/login", allow_redirects=False,
                        data={"name": "Claire", "password": "un mot de passe solide", "csrf_token": csrf_token(form.text)})
    assert answer.status_code == 302
    cookie = answer.headers["Set-Cookie"]
    assert "bl_console=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    home = phone.get(live_box.url + "/console/")
    assert "Console des bénévoles" in home.text and "Claire" in home.text
    download = phone.post(live_box.url + "/console/backups/download", data={"csrf_token": csrf_token(home.text)})
    assert download.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(download.content)) as archive:
        assert {"manifest.json", "boxlocale.sqlite3", "settings.json"} <= set(archive.getnames())
    stranger = live_box.session()
    assert stranger.get(live_box.url + "/console/settings", allow_redirects=False).status_code == 302
