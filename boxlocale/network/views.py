"""Network views: the console's network page (/console/network) and the box-to-box sync endpoints
(/network/v1/...). Rules live in admission.py, log.py and sync.py."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from .. import clock
from ..audit import write_audit
from ..console.session import can, requires
from ..db import writing
from ..errors import DomainError, RateLimited
from ..pagecache import cached_page
from . import admission, status, sync

bp = Blueprint("network", __name__, url_prefix="/console/network")
sync_bp = Blueprint("network_sync", __name__, url_prefix="/network/v1")
directory_bp = Blueprint("network_directory", __name__, url_prefix="/network")


@directory_bp.route("/")
@cached_page
def directory():
    """The network's boxes for villagers: where the other boxes are and when they open."""
    from .directory import public_directory

    return render_template("network/directory.html", boxes=public_directory(clock.now()))


@bp.before_request
def console_rules():
    from ..console import session

    return session.refuse_if_not_local()


@bp.context_processor
def console_context():
    return {"can": can}


@bp.route("/", methods=["GET", "POST"])
@requires("admin")
def page():
    errors, admitted_text, values = {}, None, {}
    if request.method == "POST":
        action = request.form.get("action")
        values = request.form
        try:
            if action == "admit":
                admitted_text = admission.admit(request.form.get("request"))
                with writing():
                    write_audit("network_admit", volunteer=g.volunteer)
                flash(_("Box admitted. Carry the admission below to the new box."))
            elif action == "block":
                from .outbox import block_box

                key = request.form.get("box", "")
                with writing():
                    if key in {box.key for box in status.overview(clock.now())["boxes"]}:
                        block_box(key, request.form.get("reason", ""))
                        write_audit("network_block", key[:16], request.form.get("reason", ""), volunteer=g.volunteer)
                flash(_("This box is blocked in the whole network: what it wrote is hidden."))
                return redirect(url_for("network.page"))
            elif action == "unblock":
                from .outbox import unblock_box

                key = request.form.get("box", "")
                with writing():
                    if key in {box.key for box in status.overview(clock.now())["boxes"] if box.blocked}:
                        unblock_box(key)
                        write_audit("network_unblock", key[:16], volunteer=g.volunteer)
                flash(_("This box is unblocked in the whole network: what it wrote is shown again."))
                return redirect(url_for("network.page"))
            elif action == "join":
                box = admission.join(request.form.get("admission"))
                with writing():
                    write_audit("network_join", box.name or box.key[:16], volunteer=g.volunteer)
                flash(_("This box is now in the network."))
                return redirect(url_for("network.page"))
        except DomainError as error:
            errors = error.fields or {"request": error.message}
    view = status.overview(clock.now())
    return render_template("console/network.html", view=view, errors=errors, values=values,
                           admitted_text=admitted_text, join_text=admission.join_request()), (
        400 if errors else 200)


def _signed(body_and_signature, code=200):
    body, signature = body_and_signature
    return Response(body, status=code, mimetype="application/json", headers={sync.SIGNATURE_HEADER: signature})


def _refusal(message, code):
    name = {403: "forbidden", 413: "too_large", 429: "rate_limited"}.get(code, "validation")
    return jsonify({"error": {"code": name, "message": message}}), code


@sync_bp.get("/challenge")
def challenge():
    from . import log

    try:
        return jsonify({"box": log.self_key(), "nonce": sync.new_nonce()})
    except sync.SyncError as error:
        return _refusal(str(error), 429)


def _checked():
    if (request.content_length or 0) > sync.PAGE_BYTES:  # refused before the body is read
        raise sync.TooLarge(f"a sync request holds at most {sync.PAGE_BYTES} bytes")
    return sync.check_request(request.get_data(), request.headers.get(sync.SIGNATURE_HEADER))


@sync_bp.post("/pull")
def pull():
    try:
        return _signed(sync.serve_pull(_checked()))
    except sync.TooLarge as error:
        return _refusal(str(error), 413)
    except sync.SyncError as error:
        return _refusal(str(error), 403)
    except (ValueError, AttributeError, TypeError):
        return _refusal("not a sync request", 400)


@sync_bp.post("/push")
def push():
    from . import format as fmt
    from . import log


    try:
        return _signed(sync.serve_push(_checked(), request.remote_addr,
                                       current_app.config["NETWORK_PUSH_EVENTS_PER_HOUR"]))
    except RateLimited as error:
        answer, code = _refusal(f"too many events pushed from your box or address in an hour: "
                                f"try again in {error.retry_after} s", 429)
        answer.headers["Retry-After"] = str(error.retry_after)
        return answer, code
    except sync.TooLarge as error:
        return _refusal(str(error), 413)
    except sync.SyncError as error:
        return _refusal(str(error), 403)
    except (fmt.BadEvent, log.ImportRefused) as error:
        return _refusal(f"nothing imported: {error}", 400)
    except (ValueError, AttributeError, TypeError):
        return _refusal("not a sync request", 400)
