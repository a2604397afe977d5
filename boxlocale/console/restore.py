"""Restoring a backup from the console: upload an archive or pick one of the box's own backups.

The same ``backup.restore`` as the ``boxlocale restore`` command, with the same checks (the whole
archive is unpacked and verified before anything is touched; the current data is kept aside). The
running box holds its write lock and closes every database connection around the swap, then opens the
restored database (upgraded if it is older).
"""

import secrets
from pathlib import Path

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import backup, db, settings
from ..audit import write_audit
from ..db import writing
from . import bp
from .session import current_volunteer, requires

BACKUP_GLOB = "boxlocale-backup-*.tar.gz"
# An archive with photos outgrows the 25 MB of a post. Only this route takes more, and only from a
# volunteer: the server lets the body in when it carries a console cookie this box signed
# (serving.py), the app reads it when that volunteer is an admin (web.BoxRequest, before anything,
# the CSRF check included, reads the form).
UPLOAD_PATH = "/console/backups/restore"
UPLOAD_LIMIT = 2 * 1024 ** 3


def may_upload_a_backup():
    """The request's body may be as large as UPLOAD_LIMIT: an admin's, on the restore route."""
    volunteer = current_volunteer()
    return volunteer is not None and volunteer.role == "admin"


def box_backups(data_dir):
    """The backups on the box itself, newest first: [(name, bytes)]."""
    folder = Path(data_dir) / "backups"
    found = sorted(folder.glob(BACKUP_GLOB), key=lambda path: path.name, reverse=True) if folder.is_dir() else []
    return [(path.name, path.stat().st_size) for path in found]


def restore_running_box(archive, data_dir):
    """Restore ``archive`` into the data dir of this running box. Raises backup.BackupError (nothing changed)."""
    with db._write_lock:  # no write may start on the old database, nor land in the gap
        db.database.close_all()
        try:
            aside = backup.restore(archive, data_dir)
        finally:
            db.init_database(data_dir)  # the restored file (or the untouched one after a refusal)
            settings.invalidate()
    return aside


@bp.route("/backups/restore", methods=["POST"])
@requires("admin")
def restore_backup():
    data_dir = current_app.config["DATA_DIR"]
    if request.form.get("confirm") != "1":
        flash(_("Tick the box to say you understand that the box's current data is replaced."), "error")
        return redirect(url_for("console.backups"), 303)
    picked, upload = request.form.get("name", ""), request.files.get("archive")
    temporary = None
    if upload is not None and upload.filename:
        temporary = Path(data_dir) / f".upload-{secrets.token_hex(8)}.tar.gz"
        upload.save(temporary)
        archive, shown = temporary, upload.filename
    elif picked in dict(box_backups(data_dir)):
        archive, shown = Path(data_dir) / "backups" / picked, picked
    else:
        flash(_("Choose a backup of the box, or a backup file from your phone or computer."), "error")
        return redirect(url_for("console.backups"), 303)
    try:
        restore_running_box(archive, data_dir)
    except backup.BackupError as error:
        return render_template("console/restore_refused.html", reason=str(error), name=shown), 400
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    with writing():
        write_audit("restore_backup", shown, volunteer=g.volunteer)
    flash(_("Backup restored: the box now has the data of %(name)s. The previous data is kept aside on the box.",
            name=shown), "ok")
    return redirect(url_for("console.backups"), 303)
