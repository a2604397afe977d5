"""The noticeboard's pages: the board, posting, a notice with its replies, the owner's moves, .ics."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..devices import current_actor
from ..errors import Conflict, RateLimited, ValidationError
from ..i18n import labels
from ..listing import QUERY_MAX, page_number
from ..network import directory
from ..pagecache import BOARD_TABLES, ONE_NOTICE_KEEPS, cached_page, personal_to
from ..people.mine import hidden_reason
from ..posting import PSEUDONYM_MAX
from . import bp, rules
from .ics import ics_response

NOTICE_FIELDS = ("kind", "category", "title", "body", "starts_at", "ends_at", "place", "destination", "shared",
                 "seats", "contact", "pseudonym")


def _choice(name, options):
    value = request.args.get(name, "")
    return value if value in dict(options) else ""


def _page():
    return page_number(request.args.get("page"))


@bp.route("/")
@cached_page(tables=BOARD_TABLES)
def index():
    kind = _choice("kind", rules.KINDS)
    category = _choice("category", rules.NOTICE_CATEGORIES)
    words = request.args.get("q", "")[:QUERY_MAX]
    upcoming_only = request.args.get("upcoming") == "1"
    page = _page()
    notices, next_page = rules.board(kind, category, words, upcoming_only, page, fields=rules.CARD_FIELDS,
                                        plain=True)
    plain_first_page = not (kind or category or words or upcoming_only) and page == 1
    args = {name: value for name, value in
            (("kind", kind), ("category", category), ("q", words), ("upcoming", "1" if upcoming_only else ""))
            if value}
    return render_template(
        "board/index.html", notices=notices, next_page=next_page, page=page, args=args, kind=kind,
        category=category, words=words, upcoming_only=upcoming_only,
        upcoming=rules.upcoming() if plain_first_page else [],
        # Translated once per language (i18n.labels), not once per card or page.
        kind_labels=labels(rules.KINDS), category_labels=labels(rules.NOTICE_CATEGORIES),
    )


def _form_page(values, errors=None, message=None, status=200):
    return render_template(
        "board/new.html", values=values, errors=errors or {}, message=message, kinds=rules.KINDS,
        categories=rules.NOTICE_CATEGORIES, limits=rules.FIELD_LIMITS,
        seats_max=rules.SEATS_MAX,
    ), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        kind = _choice("kind", rules.KINDS) or "offer"
        return _form_page({"kind": kind})
    values = {name: request.form.get(name, "") for name in NOTICE_FIELDS}
    try:
        notice, token = rules.post_notice(current_actor(create_device_if_missing=True), values)
    except ValidationError as error:
        return _form_page(values, error.fields, error.message, 400)
    except RateLimited as error:
        page, status = _form_page(values, message=error.message, status=429)
        return page, status, {"Retry-After": str(error.retry_after)}
    manage_url = url_for("board.manage", notice_id=notice.id, token=token, _external=True)
    return render_template("board/posted.html", notice=notice, manage_url=manage_url), 201


def _notice_page(notice_id, token=None, reply_values=None, errors=None, message=None, status=200):
    actor = current_actor(manage_token=token)
    notice = rules.get_notice(notice_id, actor)
    personal_to(notice.device_id)
    state = rules.status_of(notice)
    return render_template(
        "board/notice.html", notice=notice, status=state, status_label=rules.status_label(state),
        kind_label=rules.kind_label(notice.kind), category_label=rules.category_label(notice.category),
        moves=rules.allowed_moves(notice, actor), has_calendar=rules.has_calendar(notice),
        replies=rules.replies_of(notice), verified=rules.poster_verified(notice),
        token=token if token and actor.owns(notice) else "", reply=reply_values or {}, errors=errors or {},
        message=message, reply_max=rules.REPLY_MAX, pseudonym_max=PSEUDONYM_MAX,
        hidden_because=hidden_reason(notice, "notice") if notice.hidden else None,
        seats_left=rules.seats_left(notice),
        from_box=directory.origin_box(f"notice:{notice.id}"),
    ), status


@bp.route("/<int:notice_id>")
@cached_page(tables=BOARD_TABLES, new_rows_kept=ONE_NOTICE_KEEPS)
def notice(notice_id):
    return _notice_page(notice_id)


@bp.route("/<int:notice_id>/manage/<token>")
def manage(notice_id, token):
    """The private manage link: the owner's buttons from any phone."""
    return _notice_page(notice_id, token)


@bp.route("/<int:notice_id>/reply", methods=["POST"])
def reply(notice_id):
    values = {"body": request.form.get("body", ""), "pseudonym": request.form.get("pseudonym", ""),
              "seat": request.form.get("seat") == "1"}
    try:
        actor = current_actor(create_device_if_missing=True)
        posted = rules.add_reply(rules.get_notice(notice_id, actor), actor, values)
    except ValidationError as error:
        return _notice_page(notice_id, reply_values=values, errors=error.fields, status=400)
    except RateLimited as error:
        page, status = _notice_page(notice_id, reply_values=values, message=error.message, status=429)
        return page, status, {"Retry-After": str(error.retry_after)}
    except Conflict as error:
        return _notice_page(notice_id, reply_values=values, message=error.message, status=409)
    if posted.hidden:
        flash(_("Thank you! Your reply will appear once a volunteer has read it."), "ok")
    else:
        flash(_("Your reply is on the board."), "ok")
    return redirect(url_for("board.notice", notice_id=notice_id, _anchor=f"reply-{posted.id}"), code=303)


def _owner_move(notice_id, move, done_message):
    token = request.form.get("manage") or None
    try:
        actor = current_actor(manage_token=token)
        move(rules.get_notice(notice_id, actor), actor)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(done_message, "ok")
    if token:
        return redirect(url_for("board.manage", notice_id=notice_id, token=token), code=303)
    return redirect(url_for("board.notice", notice_id=notice_id), code=303)


@bp.route("/<int:notice_id>/accept/<int:reply_id>", methods=["POST"])
def accept(notice_id, reply_id):
    """The driver takes a passenger who asked for a seat."""
    return _owner_move(notice_id, lambda notice, actor: rules.accept_passenger(notice, actor, reply_id),
                       _("Accepted: one seat fewer. Tell them where to meet in a reply."))


@bp.route("/<int:notice_id>/close", methods=["POST"])
def close(notice_id):
    return _owner_move(notice_id, rules.close_notice, _("Closed. Well done, and thank you for helping out!"))


@bp.route("/<int:notice_id>/renew", methods=["POST"])
def renew(notice_id):
    return _owner_move(notice_id, rules.renew_notice, _("Renewed: the notice stays on the board longer."))


@bp.route("/<int:notice_id>/event.ics")
def event_ics(notice_id):
    notice = rules.get_notice(notice_id, current_actor())
    return ics_response(notice)
