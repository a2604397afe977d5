"""Console pages: home, login, audit log, settings, the box clock, backups, impact figures."""

from datetime import UTC, datetime, timedelta

from flask import Response, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import backup, clock, clock_repair, settings, stats
from ..audit import write_audit
from ..db import writing
from ..errors import RateLimited, StorageFull, ValidationError
from ..formatting import parse_local
from ..giveaway import inventory
from ..giveaway import rules as giveaway_rules
from ..listing import page_number
from ..web import safe_next
from . import accounts, bp, moderation, settings_form
from .session import can, end_session, requires, start_session

# The console's downloads share <data dir>/backups with the nightly timer (which keeps 7 there).
CONSOLE_BACKUPS_KEPT = 7
LOW_DISK_SHARE = 0.10


@bp.before_request
def first_volunteer_needed():
    """Without any volunteer the console only says how to create one."""
    if not accounts.any_volunteer():
        return render_template("console/setup.html")


@bp.context_processor
def console_context():
    return {"can": can}


@bp.route("/")
@requires("moderate")
def index():
    free, total = backup.disk_space(current_app.config["DATA_DIR"])
    return render_template(
        "console/index.html", queue_size=len(moderation.queue()), clock_view=_clock_view(),
        last_backup=backup.last_backup(current_app.config["DATA_DIR"]), free=free, total=total,
        low_disk=free < total * LOW_DISK_SHARE,
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.get("volunteer") is not None:
        return redirect(url_for("console.index"))
    values, errors, status = {"name": request.form.get("name", "")}, {}, 200
    if request.method == "POST":
        try:
            volunteer = accounts.authenticate(request.form.get("name"), request.form.get("password"),
                                              request.remote_addr)
        except ValidationError as error:
            errors, status = error.fields, 400
        except RateLimited as error:
            errors, status = {"password": error.message}, 429
        else:
            start_session(volunteer)
            return redirect(safe_next(request.args.get("next"), default=url_for("console.index")))
    return render_template("console/login.html", values=values, errors=errors), status


@bp.route("/logout", methods=["POST"])
def logout():
    with writing():
        if g.get("volunteer") is not None:
            write_audit("logout", volunteer=g.volunteer)
        end_session()
    flash(_("You are logged out."))
    return redirect(url_for("console.login"))


@bp.route("/audit")
@requires("admin")
def audit_log():
    page = page_number(request.args.get("page"))
    lines = moderation.audit_log(limit=51, page=page)
    return render_template("console/audit.html", lines=lines[:50], page=page, action_label=moderation.action_label,
                           next_page=page + 1 if len(lines) > 50 else None)


@bp.route("/settings", methods=["GET", "POST"])
@requires("admin")
def box_settings():
    values, errors, status = settings_form.form_values(settings_form.current_values()), {}, 200
    if request.method == "POST":
        try:
            changes = settings_form.clean(request.form)
        except ValidationError as error:
            errors, status = error.fields, 400
            values = {**values, **request.form.to_dict(), "categories_off": request.form.getlist("categories_off"),
                      "console_local_only": request.form.get("console_local_only") == "1"}
        else:
            if changes:
                settings.save(changes)
                with writing():
                    write_audit("settings", "settings", ", ".join(sorted(changes)), volunteer=g.volunteer)
                flash(_("Settings saved."))
            else:
                flash(_("Nothing changed."))
            return redirect(url_for("console.box_settings"))
    return render_template("console/settings.html", values=values, errors=errors,
                           choices=settings_form.CHOICES, categories=settings_form.category_choices(),
                           draw_choices=giveaway_rules.CATEGORIES), status


# --- The box clock -------------------------------------------------------------------------------

def _clock_view():
    pending = clock.pending_jump()
    return {"box": clock.now(), "system": clock.system_now(), "offset": clock.offset_seconds(),
            "pending_days": round(pending.total_seconds() / 86400, 1) if pending else 0}


def _phone_time(form):
    """The phone's time: its clock in milliseconds (filled by the small script), else what was typed."""
    epoch_ms = form.get("phone_epoch_ms", "").strip()
    if epoch_ms.isdigit():
        return datetime.fromtimestamp(int(epoch_ms) / 1000, UTC).replace(tzinfo=None)
    try:
        moment = parse_local(form.get("phone_time", "").strip())
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(fields={"phone_time": _("A date and a time, please (for example 2026-11-28 14:00).")})
    return moment


@bp.route("/clock", methods=["GET", "POST"])
@requires("admin")
def box_clock():
    errors, status, confirm_needed, typed = {}, 200, None, request.form.get("phone_time", "")
    if request.method == "POST":
        try:
            phone = _phone_time(request.form)
        except ValidationError as error:
            errors, status = error.fields, 400
        else:
            change = phone - clock.now()
            if abs(change) > clock.MAX_JUMP and request.form.get("confirm") != "1":
                confirm_needed, status = round(change.total_seconds() / 86400, 1), 409
                typed = request.form.get("phone_time") or phone.isoformat(timespec="minutes")
            else:
                moved = _set_box_time(phone, change)
                flash(_("The box's clock is set."))
                if moved:
                    flash(ngettext("%(num)d record written while the clock was ahead now has the right date.",
                                   "%(num)d records written while the clock was ahead now have the right date.",
                                   moved))
                return redirect(url_for("console.box_clock"))
    return render_template("console/clock.html", clock_view=_clock_view(), errors=errors,
                           confirm_needed=confirm_needed, typed=typed), status


def _set_box_time(phone, change):
    """Set the box's time; a clock that was ahead also takes back the times it wrote (clock_repair)."""
    offset = (phone - clock.system_now()).total_seconds()
    settings.save({"clock_offset_seconds": round(offset, 1)})
    clock.set_offset(round(offset, 1))
    clock.accept_jump()
    moved = clock_repair.bring_back_future_times(clock.now(), change)
    with writing():
        write_audit("set_clock", "clock", f"{change.total_seconds():+.0f} s" + (f", {moved} rows moved back" if moved else ""), volunteer=g.volunteer)
    return moved


@bp.route("/clock/accept-jump", methods=["POST"])
@requires("admin")
def accept_clock_jump():
    days = _clock_view()["pending_days"]
    clock.accept_jump()
    with writing():
        write_audit("accept_clock_jump", "clock", f"{days:+} days", volunteer=g.volunteer)
    flash(_("The box now follows the system clock."))
    return redirect(url_for("console.box_clock"))


# --- Backups -------------------------------------------------------------------------------------

@bp.route("/backups")
@requires("admin")
def backups():
    data_dir = current_app.config["DATA_DIR"]
    free, total = backup.disk_space(data_dir)
    from .restore import UPLOAD_LIMIT, box_backups

    return render_template("console/backups.html", last_backup=backup.last_backup(data_dir), free=free,
                           total=total, low_disk=free < total * LOW_DISK_SHARE, data_dir=data_dir,
                           box_backups=box_backups(data_dir), upload_limit=UPLOAD_LIMIT)


@bp.route("/backups/download", methods=["POST"])
@requires("admin")
def download_backup():
    data_dir = current_app.config["DATA_DIR"]
    try:
        path = backup.create(data_dir, f"{data_dir}/backups", keep=CONSOLE_BACKUPS_KEPT)
    except OSError as error:
        if error.errno == 28:
            raise StorageFull() from error
        raise
    with writing():
        write_audit("backup", path.name, f"{path.stat().st_size} bytes", volunteer=g.volunteer)
    response = send_file(path, mimetype="application/gzip", as_attachment=True, download_name=path.name)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Impact figures ------------------------------------------------------------------------------

@bp.route("/stats")
@requires("admin")
def impact():
    data = stats.weekly()
    charts = [(label, stats.bar_chart(data["series"][name], data["weeks"], str(label)), sum(data["series"][name]))
              for name, label in stats.SERIES]
    now = clock.now()
    return render_template(
        "console/stats.html", charts=charts, totals=stats.totals(), last_30=stats.totals(now - timedelta(days=30)),
        series=stats.SERIES, weights=stats.WEIGHTS, co2e=stats.CO2E_PER_KG, stats=stats,
        category_label=_category_label, monthly=stats.monthly(now), inventory_weeks=inventory.weekly(now),
    )


def _category_label(category):
    return dict(settings_form.category_choices()).get(category, category)


@bp.route("/stats.csv")
@requires("admin")
def impact_csv():
    response = Response(stats.weekly_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=boxlocale-weekly.csv"
    return response
