"""Give-box pages: the listing, the item page and its buttons, the offer and wanted forms, the label."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import photos, qr, settings
from ..devices import Actor, current_actor, hash_key
from ..errors import Conflict, Forbidden, NotFound, RateLimited, TooLarge, UnsupportedMedia, ValidationError
from ..listing import page_number
from ..pagecache import GIVE_BOX_TABLES, ONE_ITEM_KEEPS, cached_page, not_shared, personal_to
from ..people.mine import hidden_reason
from ..posting import check_rate_before_work
from . import bp, draws, rules

MANAGE_COOKIE = "bl_manage_"
MOVES = {
    "reserve": (rules.reserve, _l("Reserved for you. Please collect it before the time is up.")),
    "release": (rules.release, _l("The reservation is cancelled.")),
    "taken": (rules.mark_taken, _l("Thank you: it has found a new home!")),
    "withdraw": (rules.withdraw, _l("Withdrawn: it no longer shows in the give-box.")),
    "renew": (rules.renew, _l("Renewed: it stays in the give-box for another period.")),
    "untake": (rules.untake, _l("It is back in the give-box.")),
}
STATUS_FILTERS = [
    ("current", _l("In the box now")),
    ("available", _l("Available")),
    ("reserved", _l("Reserved")),
    ("taken", _l("Found a new home")),
    ("all", _l("Everything")),
]


def _actor(code, writing=False):
    return current_actor(manage_token=request.cookies.get(MANAGE_COOKIE + code.upper()),
                         create_device_if_missing=writing)


@bp.route("/")
@cached_page(tables=GIVE_BOX_TABLES)
def index():
    args = {key: request.args.get(key, "") for key in ("q", "category", "kind", "status")}
    status = args["status"] or "current"
    page = page_number(request.args.get("page"))
    items, next_page = rules.search(
        status=None if status == "all" else status, kind=args["kind"] or None,
        category=args["category"] or None, q=args["q"], page=page, fields=rules.LISTING_FIELDS, plain=True,
    )
    categories = rules.enabled_categories()
    return render_template(
        "giveaway/index.html", items=items, photos=rules.first_photos(items), page=page, next_page=next_page,
        args={key: value for key, value in args.items() if value}, status=status,
        status_filters=STATUS_FILTERS, categories=categories, statuses=rules.statuses_of(items),
        typed_filters=_typed(args, categories),
    )


def _typed(args, categories):
    """Filters a person typed (search words) or made up in the address: their search bar is rendered
    each time, never remembered (there would be no end to them)."""
    return bool(args["q"]) or args["category"] not in {"", *dict(categories)} or args["kind"] not in {
        "", *rules.KINDS} or args["status"] not in {"", *dict(STATUS_FILTERS)}


@bp.route("/offer", methods=["GET", "POST"], defaults={"kind": "offer"}, endpoint="offer")
@bp.route("/wanted", methods=["GET", "POST"], defaults={"kind": "wanted"}, endpoint="wanted")
def new_item(kind):
    if request.method == "GET":
        return _form(kind, {"where": "in_box", "condition": "good", "category": request.args.get("category", "")})
    actor = current_actor(create_device_if_missing=True)
    data = dict(request.form.to_dict(), kind=kind)
    try:
        check_rate_before_work(actor)  # a phone over its limit gets its 429 before any decoding
        processed = photos.process_uploads(request.files.getlist("photo"), current_app.config["MAX_PHOTOS_PER_ITEM"])
        item, token = rules.post_item(actor, data, processed)
    except (UnsupportedMedia, TooLarge) as error:
        return _form(kind, data, {"photo": error.message}, error.status)
    except ValidationError as error:
        return _form(kind, data, error.fields or {"title": error.message}, 400)
    manage_url = _manage_url(item, token)
    return render_template("giveaway/posted.html", item=item, manage_url=manage_url, has_label=rules.has_label(item),
                           manage_qr=qr.svg(manage_url, label=str(_l("Your private link"))),
                           manage_path=url_for("giveaway.manage", code=item.code, token=token))


def _form(kind, values, errors=None, status=200):
    return render_template(
        "giveaway/form.html", kind=kind, values=values, errors=errors or {},
        categories=rules.enabled_categories(), conditions=rules.CONDITIONS, places=rules.PLACES,
        max_photos=current_app.config["MAX_PHOTOS_PER_ITEM"], limits=rules.FIELD_LIMITS,
    ), status


def _manage_url(item, token):
    return f"http://{settings.get('host_name')}" + url_for("giveaway.manage", code=item.code, token=token)


def _short_url(item):
    return f"http://{settings.get('host_name')}/i/{item.code}"


@bp.route("/<code>")
@cached_page(tables=GIVE_BOX_TABLES, new_rows_kept=ONE_ITEM_KEEPS)
def item(code):
    actor = _actor(code)
    found = rules.get_item(code, actor)
    if found.code != code:
        return redirect(url_for("giveaway.item", code=found.code), 301)
    return _item_page(found, actor)


def _item_page(item, actor, message=None, status=200, reply=None, errors=None):
    personal_to(item.device_id, item.reserved_by_id, item.taken_by_id)
    return render_template(
        "giveaway/item.html", item=item, photos=rules.photos_of(item),
        moves=rules.allowed_moves(item, actor), status=rules.status_of(item),
        status_label=rules.status_label(item), category=rules.category_label(item.category),
        conditions=dict(rules.CONDITIONS), reserved_by_me=rules.is_reserver(actor, item),
        verified=rules.poster_verified(item), mine=rules.may_manage(actor, item),
        message=message, replies=rules.replies_of(item), may_reply=rules.may_reply(item),
        reservation=rules.reservation_for_giver(item, actor), reply=reply or {}, errors=errors or {},
        hidden_because=hidden_reason(item, "item") if rules.may_manage(actor, item) else None,
        limits=rules.FIELD_LIMITS, draw=_draw_context(item, actor),
    ), status


def _draw_context(item, actor):
    found = draws.draw_of(item)
    if found is None:
        return None
    not_shared()  # each entrant reads its own outcome
    return dict(draws.outcome(found, actor), moves=draws.allowed_moves(found, actor))


@bp.route("/<code>/draw/<move>", methods=["POST"])
def draw_move(code, move):
    """Say "I'm interested" with a word, or leave the draw before it is drawn."""
    if move not in ("interested", "not_interested"):
        abort(404)
    actor = _actor(code, writing=True)
    found = draws.get_draw(code, actor)
    try:
        if move == "interested":
            draws.interested(found, actor, request.form.get("word", ""))
            flash(_l("You are in the draw. Come back after it to see the result."))
        else:
            draws.not_interested(found, actor)
            flash(_l("You have left the draw."))
    except (ValidationError, Conflict) as error:
        message = error.fields.get("word") if getattr(error, "fields", None) else error.message
        item = rules.get_item(code, actor)
        return _item_page(item, actor, message, error.status)
    return redirect(url_for("giveaway.item", code=found.item.code), 303)


@bp.route("/<code>/<move>", methods=["POST"])
def act(code, move):
    if move not in MOVES:
        abort(404)
    actor = _actor(code, writing=True)
    found = rules.get_item(code, actor)
    do, done_message = MOVES[move]
    try:
        if move == "reserve":
            found = do(found, actor, message=request.form.get("message", ""),
                       pseudonym=request.form.get("reserver_name", ""))
        else:
            found = do(found, actor)
    except (Conflict, Forbidden, RateLimited, ValidationError) as error:
        # The reserve form names its pseudonym field apart from the reply form's on the same page.
        errors = {("reserver_name" if name == "pseudonym" else name): text for name, text in error.fields.items()}
        page = _item_page(rules.get_item(code, actor), actor, error.message, error.status, errors=errors)
        if isinstance(error, RateLimited):
            return (*page, {"Retry-After": str(error.retry_after)})
        return page
    flash(done_message)
    return redirect(url_for("giveaway.item", code=found.code), 303)


@bp.route("/<code>/reply", methods=["POST"])
def reply(code):
    """An answer under the item: "I have one" on a wanted post, a question on an offer."""
    actor = _actor(code, writing=True)
    found = rules.get_item(code, actor)
    values = {"body": request.form.get("body", ""), "pseudonym": request.form.get("pseudonym", "")}
    try:
        posted = rules.add_reply(found, actor, values)
    except ValidationError as error:
        return _item_page(found, actor, status=400, reply=values, errors=error.fields)
    except RateLimited as error:
        page, status = _item_page(found, actor, error.message, 429, reply=values)
        return page, status, {"Retry-After": str(error.retry_after)}
    except Conflict as error:
        return _item_page(found, actor, error.message, 409, reply=values)
    if posted.hidden:
        flash(_l("Thank you! Your message will appear once a volunteer has read it."))
    else:
        flash(_l("Your message is under the post. The author will see it on their next visit."))
    return redirect(url_for("giveaway.item", code=found.code, _anchor=f"reply-{posted.id}"), 303)


@bp.route("/<code>/bought", methods=["POST"])
def bought(code):
    actor = _actor(code, writing=True)
    found = rules.get_item(code, actor)
    answer = {"yes": True, "no": False}.get(request.form.get("answer"))
    rules.answer_bought(found, actor, answer)
    flash(_l("Thank you for your answer."))
    return redirect(url_for("giveaway.item", code=found.code), 303)


@bp.route("/<code>/edit", methods=["GET", "POST"])
def edit(code):
    actor = _actor(code, writing=request.method == "POST")
    found = rules.get_item(code, actor)
    if not rules.may_manage(actor, found):
        raise Forbidden()
    values = {name: getattr(found, name) for name in ("title", "description", "category", "condition",
                                                       "location_note", "contact")}
    values["where"] = found.location
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            rules.edit_item(found, actor, values)
        except ValidationError as error:
            return _edit_form(found, values, error.fields), 400
        return redirect(url_for("giveaway.item", code=found.code), 303)
    return _edit_form(found, values, {})


def _edit_form(item, values, errors):
    return render_template(
        "giveaway/form.html", kind=item.kind, item=item, values=values, errors=errors,
        categories=rules.enabled_categories(), conditions=rules.CONDITIONS, places=rules.PLACES,
        limits=rules.FIELD_LIMITS,
    )


@bp.route("/<code>/manage/<token>")
def manage(code, token):
    """The private manage link: this phone may now manage the item (a cookie for this item only)."""
    found = rules.get_item(code, Actor(manage_token=token))
    if not found.manage_hash or hash_key(token) != found.manage_hash:
        raise Forbidden(_l("This manage link is not valid (any more)."))
    response = redirect(url_for("giveaway.item", code=found.code), 303)
    response.set_cookie(MANAGE_COOKIE + found.code, token, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", path=f"/give/{found.code}")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/<code>/label")
def label(code):
    """A label to stick on the object in the box: a QR to its short URL, its code, "Taken? Scan me"."""
    found = rules.get_item(code, _actor(code))
    if not rules.has_label(found):
        raise NotFound(_l("A request has no label to print: only what is in the box gets one."))
    short = _short_url(found)
    return render_template("giveaway/label.html", item=found, short_url=short,
                           qr_svg=qr.svg(short, label=found.code, css_class="qr label-qr"))


@bp.record_once
def _short_route(state):
    state.app.add_url_rule("/i/<code>", "item_short", short_link)


def short_link(code):
    """``/i/<CODE>``: what the label's QR opens; typed codes are forgiving (case, O/0, I/1)."""
    found = rules.get_item(code)
    return redirect(url_for("giveaway.item", code=found.code), 302)
