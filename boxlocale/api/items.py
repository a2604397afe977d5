"""Give-box items over JSON (API.md, "Give-box items"): the same rules as the pages."""

from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l

from .. import clock, listing, photos
from ..devices import current_actor, require_device
from ..errors import ValidationError
from ..formatting import iso, local_zone
from ..giveaway import rules
from ..models import Item
from ..pagecache import GIVE_BOX_TABLES, cached_page
from ..posting import check_rate_before_work
from ..web import paths_for
from . import bp
from .common import manage_token, page_number, request_data
from .openapi import document, error_response, json_response


def item_json(item, actor):
    """An item as API.md describes it."""
    return items_json([item], actor)[0]


def items_json(items, actor):
    """Items as API.md describes them, each as its own GET shows it. ``items``: models, or the
    listing's plain rows (JSON_FIELDS). What every item shares (the clock, the time zone, the paths'
    pattern, one query for every item's photos) is worked out once, not for each item."""
    if not items:
        return []
    now, zone = clock.now(), local_zone()
    photos_by_item = rules.photos_for(items)
    html_url, label_url = paths_for("giveaway.item", "code"), paths_for("giveaway.label", "code")
    device = actor.device
    found = []
    for item in items:
        status = rules.status_of(item, now)
        reserved = status == "reserved"
        found.append({
            "code": item.code,
            "kind": item.kind,
            "title": item.title,
            "description": item.description,
            "category": item.category,
            "condition": item.condition,
            "where": item.location,
            "location_note": item.location_note,
            "status": status,
            "photos": [photos.as_json(photo) for photo in photos_by_item[item.id]],
            "pseudonym": item.pseudonym,
            "created_at": iso(item.created_at, zone),
            "expires_at": iso(item.expires_at, zone),
            "reserved_until": iso(item.reserved_until, zone) if reserved else None,
            "mine": actor.owns(item),
            "reserved_by_me": bool(reserved and device is not None and item.reserved_by_id == device.id),
            "html_url": html_url(item.code),
            "label_url": label_url(item.code),
        })
    return found


# What items_json reads (and photos_for, status_of, Actor.owns), named as a model's attributes: the
# listing reads only these columns, as plain rows.
JSON_FIELDS = (Item.id, Item.code, Item.kind, Item.title, Item.description, Item.category, Item.condition,
               Item.location, Item.location_note, Item.pseudonym, Item.status, Item.device.alias("device_id"),
               Item.manage_hash, Item.created_at, Item.expires_at, Item.reserved_until,
               Item.reserved_by.alias("reserved_by_id"))


def _actor(writing=False):
    if writing:
        require_device()  # 401 without a bearer key
    return current_actor(manage_token=manage_token())


def _one(item, actor, status=200):
    return jsonify(item_json(rules.get_item(item.code, actor), actor)), status


@bp.route("/items", methods=["GET"])
@cached_page(tables=GIVE_BOX_TABLES)  # anonymous readers share it; a bearer key or manage token is a phone's own
def list_items():
    status = request.args.get("status") or None
    if status is not None and status not in rules.STATUSES:
        raise ValidationError(fields={"status": _l("Unknown status.")})
    kind = request.args.get("kind") or None
    if kind is not None and kind not in rules.KINDS:
        raise ValidationError(fields={"kind": _l("Please choose offer or wanted.")})
    items, next_page = rules.search(status=status, kind=kind, category=request.args.get("category") or None,
                                    q=request.args.get("q"), page=page_number(), fields=JSON_FIELDS, plain=True)
    return jsonify({"items": items_json(items, _actor()), "next_page": next_page})


@bp.route("/items", methods=["POST"])
def create_item():
    actor = _actor(writing=True)
    data = request_data()
    check_rate_before_work(actor)  # before any decoding
    processed = photos.process_uploads(request.files.getlist("photo"), current_app.config["MAX_PHOTOS_PER_ITEM"])
    item, token = rules.post_item(actor, data, processed)
    body = item_json(item, actor)
    body["manage_token"] = token  # shown once: the private manage link's secret
    return jsonify(body), 201


@bp.route("/items/<code>", methods=["GET"])
def get_item(code):
    actor = _actor()
    return jsonify(item_json(rules.get_item(code, actor), actor))


@bp.route("/items/<code>", methods=["PATCH"])
def patch_item(code):
    actor = _actor(writing=True)
    item = rules.edit_item(rules.get_item(code, actor), actor, request_data())
    return _one(item, actor)


def _move(name, move):
    def view(code):
        actor = _actor(writing=True)
        return _one(move(rules.get_item(code, actor), actor), actor)

    view.__name__ = f"item_{name}"
    bp.add_url_rule(f"/items/<code>/{name}", view.__name__, view, methods=["POST"])


def _reserve_with_message(item, actor):
    """Reserve, with the optional words for the giver (``message``) of a JSON body."""
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    message = (data or {}).get("message") if isinstance(data, dict) else None
    return rules.reserve(item, actor, message=message if isinstance(message, str) else "")


for _name, _function in (("reserve", _reserve_with_message), ("release", rules.release),
                         ("withdraw", rules.withdraw), ("renew", rules.renew), ("untake", rules.untake)):
    _move(_name, _function)


@bp.route("/items/<code>/taken", methods=["POST"])
def item_taken(code):
    actor = _actor(writing=True)
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    answer = _yes_no((data or {}).get("would_have_bought"))
    item = rules.mark_taken(rules.get_item(code, actor), actor, answer)
    return _one(item, actor)


def _yes_no(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "oui"):
        return True
    if text in ("0", "false", "no", "non"):
        return False
    raise ValidationError(fields={"would_have_bought": _l("Please answer yes or no.")})


# OpenAPI

_ITEM = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "kind": {"type": "string", "enum": ["offer", "wanted"]},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "category": {"type": "string"},
        "condition": {"type": ["string", "null"], "enum": ["new", "good", "used", "for_parts", None]},
        "where": {"type": "string", "enum": ["in_box", "at_giver"]},
        "location_note": {"type": "string"},
        "status": {"type": "string", "enum": list(rules.STATUSES)},
        "photos": {"type": "array", "items": {"$ref": "#/components/schemas/Photo"}},
        "pseudonym": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
        "reserved_until": {"type": ["string", "null"], "format": "date-time"},
        "mine": {"type": "boolean"},
        "reserved_by_me": {"type": "boolean"},
        "html_url": {"type": "string"},
        "label_url": {"type": "string"},
        "manage_token": {"type": "string", "description": "Only in the answer to the creation: the secret of "
                         "the private manage link (send it as X-Manage-Token to act as the owner)."},
    },
}
_PHOTO = {
    "type": "object",
    "properties": {"url": {"type": "string"}, "thumb_url": {"type": "string"}, "width": {"type": "integer"},
                   "height": {"type": "integer"}},
}
_REF = {"$ref": "#/components/schemas/Item"}
_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The item's short code (case-insensitive; O/0 and I/1/L read alike)"}
_SECURITY = [{"deviceKey": []}]
_WRITE_ERRORS = {"401": error_response("No device key"), "404": error_response("No such item"),
                 "429": error_response("Too many writes")}
_FIELDS = {
    "kind": {"type": "string", "enum": ["offer", "wanted"], "default": "offer"},
    "title": {"type": "string", "minLength": rules.TITLE_MIN, "maxLength": rules.TITLE_MAX},
    "description": {"type": "string", "maxLength": rules.DESCRIPTION_MAX},
    "category": {"type": "string", "description": "One of GET /api/v1/categories"},
    "condition": {"type": "string", "enum": ["new", "good", "used", "for_parts"]},
    "where": {"type": "string", "enum": ["in_box", "at_giver"]},
    "location_note": {"type": "string", "maxLength": rules.NOTE_MAX},
    "contact": {"type": "string", "maxLength": rules.CONTACT_MAX},
    "pseudonym": {"type": "string"},
    "draw": {"type": "boolean", "description": "offers: a fair draw instead of first come, first served"},
}

document(
    "/api/v1/items",
    {
        "get": {
            "summary": "Items of the give-box, newest first (20 per page)",
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(rules.STATUSES)}},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["offer", "wanted"]}},
                {"name": "category", "in": "query", "schema": {"type": "string"}},
                {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words of the title "
                 "or description"},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": listing.PAGE_MAX}},
            ],
            "responses": {
                "200": json_response("A page of items", {
                    "type": "object",
                    "properties": {"items": {"type": "array", "items": _REF},
                                   "next_page": {"type": ["integer", "null"]}},
                }),
                "400": error_response("A filter is wrong"),
            },
        },
        "post": {
            "summary": "Offer something, or ask for something (with up to 3 photos)",
            "security": _SECURITY,
            "requestBody": {"content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["title"], "properties": dict(
                    _FIELDS, photo={"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": 3})}},
                "application/json": {"schema": {"type": "object", "required": ["title"], "properties": _FIELDS}},
            }},
            "responses": {
                "201": json_response("The new item (with its manage_token, shown once)", _REF),
                "400": error_response("A field is wrong"),
                "413": error_response("Request or photo too large"),
                "415": error_response("A file is not a photo the box can read"),
                "507": error_response("The box's disk is full"),
                **_WRITE_ERRORS,
            },
        },
    },
    schemas={"Item": _ITEM, "Photo": _PHOTO},
)
document(
    "/api/v1/items/{code}",
    {
        "get": {
            "summary": "One item",
            "parameters": [_CODE],
            "responses": {"200": json_response("The item", _REF), "404": error_response("No such item")},
        },
        "patch": {
            "summary": "Change an item's text fields (owner)",
            "security": _SECURITY,
            "parameters": [_CODE],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                key: value for key, value in _FIELDS.items() if key not in ("kind", "pseudonym", "draw")}}}}},
            "responses": {
                "200": json_response("The item", _REF),
                "400": error_response("A field is wrong"),
                "403": error_response("Not yours"),
                "409": error_response("The item is closed"),
                **_WRITE_ERRORS,
            },
        },
    },
)
for _name, _summary in (
    ("reserve", "Reserve an offer for the box's hold time (one phone at a time; 409 if someone was quicker "
                "or this phone already holds 3; 429 beyond 10 an hour)"),
    ("release", "Cancel the reservation (the reserver or the owner)"),
    ("taken", "Mark as taken (owner, reserver, or anyone for an item in the box); optional would_have_bought"),
    ("withdraw", "Withdraw (owner)"),
    ("renew", "Another full period before expiry (owner)"),
    ("untake", "Not taken after all: back to available (owner or volunteer), for a false \"taken\""),
):
    document(
        f"/api/v1/items/{{code}}/{_name}",
        {
            "post": {
                "summary": _summary,
                "security": _SECURITY,
                "parameters": [_CODE],
                "responses": {
                    "200": json_response("The item", _REF),
                    "403": error_response("Not yours to do"),
                    "409": error_response("The item's state forbids it"),
                    **_WRITE_ERRORS,
                },
            }
        },
    )
