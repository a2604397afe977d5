"""The noticeboard as JSON (API.md, Noticeboard)."""

from flask import jsonify, request, url_for

from ..board import rules
from ..board.ics import ics_response
from ..devices import current_actor, require_device
from ..formatting import iso
from ..pagecache import BOARD_TABLES, cached_page
from ..posting import PSEUDONYM_MAX, PSEUDONYM_MIN
from . import bp
from .common import manage_token, page_number, request_data
from .openapi import document, error_response, json_response


def reply_json(reply):
    return {"id": reply.id, "body": reply.body, "pseudonym": reply.pseudonym,
            "created_at": iso(reply.created_at), "seat_request": reply.seat_request,
            "accepted": reply.accepted_at is not None}


def notice_json(notice, actor, replies=None, network=None):
    """``network``: directory.notices_network() of the page, read once for all its notices."""
    from ..network import directory

    network = network if network is not None else directory.notices_network([notice])
    data = {
        "id": notice.id, "kind": notice.kind, "category": notice.category, "title": notice.title,
        "body": notice.body, "starts_at": iso(notice.starts_at), "ends_at": iso(notice.ends_at),
        "place": notice.place, "destination": notice.destination, "seats": notice.seats,
        "seats_left": rules.seats_left(notice),
        "contact": notice.contact, "pseudonym": notice.pseudonym, "status": rules.status_of(notice),
        "created_at": iso(notice.created_at), "expires_at": iso(notice.expires_at),
        "mine": actor.owns(notice), "html_url": url_for("board.notice", notice_id=notice.id, _external=True),
        **network[notice.id],
    }
    if notice.kind in rules.DATED_KINDS:
        data["ics_url"] = url_for("api.notice_ics", notice_id=notice.id, _external=True)
    if replies is not None:
        data["replies"] = [reply_json(reply) for reply in replies]
    return data


def _writer():
    """The API actor of an owner's move: a device key, and perhaps a manage token."""
    require_device()
    return current_actor(manage_token=manage_token())


@bp.route("/notices")
@cached_page(tables=BOARD_TABLES)  # anonymous readers share it; a bearer key or manage token is a phone's own
def notices():
    kind, category = request.args.get("kind", ""), request.args.get("category", "")
    page = page_number()
    found, next_page = rules.board(kind, category, request.args.get("q", ""),
                                   request.args.get("upcoming") == "1", page)
    actor = current_actor()
    from ..network import directory

    network = directory.notices_network(found)
    return jsonify({"items": [notice_json(notice, actor, network=network) for notice in found],
                    "next_page": next_page})


@bp.route("/notices", methods=["POST"])
def post_notice():
    actor = current_actor(create_device_if_missing=True)
    notice, token = rules.post_notice(actor, request_data())
    data = notice_json(notice, actor, replies=[])
    data["manage_url"] = url_for("board.manage", notice_id=notice.id, token=token, _external=True)
    data["manage_token"] = token
    data["held_for_review"] = notice.hidden
    return jsonify(data), 201


@bp.route("/notices/<int:notice_id>")
def notice(notice_id):
    actor = current_actor()
    found = rules.get_notice(notice_id, actor)
    return jsonify(notice_json(found, actor, replies=rules.replies_of(found)))


@bp.route("/notices/<int:notice_id>/replies", methods=["POST"])
def post_reply(notice_id):
    actor = current_actor(create_device_if_missing=True)
    reply = rules.add_reply(rules.get_notice(notice_id, actor), actor, request_data())
    data = reply_json(reply)
    data["held_for_review"] = reply.hidden
    return jsonify(data), 201


@bp.route("/notices/<int:notice_id>/close", methods=["POST"])
def close_notice(notice_id):
    actor = _writer()
    return jsonify(notice_json(rules.close_notice(rules.get_notice(notice_id, actor), actor), actor))


@bp.route("/notices/<int:notice_id>/renew", methods=["POST"])
def renew_notice(notice_id):
    actor = _writer()
    return jsonify(notice_json(rules.renew_notice(rules.get_notice(notice_id, actor), actor), actor))


@bp.route("/notices/<int:notice_id>/event.ics")
def notice_ics(notice_id):
    return ics_response(rules.get_notice(notice_id, current_actor()))


# --- OpenAPI ------------------------------------------------------------------------------------

_TEXT = {"type": "string"}
_WHEN = {"type": ["string", "null"], "format": "date-time"}
NOTICE_INPUT = {
    "type": "object",
    "required": ["kind", "title"],
    "properties": {
        "kind": {"type": "string", "enum": [kind for kind, _label in rules.KINDS]},
        "category": {"type": "string", "enum": ["", *(cat for cat, _label in rules.NOTICE_CATEGORIES)]},
        "title": {"type": "string", "minLength": rules.LIMITS["title"][0], "maxLength": rules.LIMITS["title"][1]},
        "body": {"type": "string", "maxLength": rules.LIMITS["body"][1]},
        "starts_at": {"type": "string", "description": "events, carpools: ISO 8601 (box time without offset)"},
        "ends_at": {"type": "string"},
        "place": {"type": "string", "maxLength": rules.LIMITS["place"][1], "description": "carpools: leaving from"},
        "destination": {"type": "string", "maxLength": rules.LIMITS["destination"][1], "description": "carpools: going to"},
        "seats": {"type": "integer", "minimum": 1, "maximum": rules.SEATS_MAX},
        "contact": {"type": "string", "maxLength": rules.LIMITS["contact"][1]},
        "pseudonym": {"type": "string", "minLength": PSEUDONYM_MIN, "maxLength": PSEUDONYM_MAX},
        "shared": {"type": "boolean", "default": False,
                   "description": "visible in the network's boxes (other villages' boxes); off unless asked. "
                                  "Forms send 1/true/yes/on"},
    },
}
SCHEMAS = {
    "Reply": {"type": "object", "properties": {
        "id": {"type": "integer"}, "body": _TEXT, "pseudonym": _TEXT, "created_at": _WHEN,
        "seat_request": {"type": "boolean"}, "accepted": {"type": "boolean"}}},
    "Notice": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": _TEXT, "category": _TEXT, "title": _TEXT, "body": _TEXT,
        "starts_at": _WHEN, "ends_at": _WHEN, "place": _TEXT, "destination": _TEXT,
        "seats": {"type": ["integer", "null"]}, "seats_left": {"type": ["integer", "null"]},
        "contact": _TEXT, "pseudonym": _TEXT,
        "status": {"type": "string", "enum": ["open", "closed", "expired"]},
        "replies": {"type": "array", "items": {"$ref": "#/components/schemas/Reply"}},
        "created_at": _WHEN, "expires_at": _WHEN, "mine": {"type": "boolean"}, "html_url": _TEXT,
        "ics_url": _TEXT, "manage_url": {"type": "string", "description": "only in the answer to the post"},
        "manage_token": {"type": "string", "description": "only in the answer to the post"},
        "shared": {"type": "boolean", "description": "travels to the network's boxes"},
        "from_box": {"type": ["object", "null"], "description": "the box of another village it came from; "
                     "null when posted on this box", "properties": {"name": _TEXT, "village": _TEXT}},
    }},
    "NoticeInput": NOTICE_INPUT,
}
_NOTICE = {"$ref": "#/components/schemas/Notice"}
_ID = [{"name": "notice_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_SECURED = [{"deviceKey": []}]
_BODY = {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/NoticeInput"}},
    "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/NoticeInput"}}}}
_OWNER_BODY = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"manage_token": {"type": "string"}}}}}}

document("/api/v1/notices", {
    "get": {
        "summary": "The board: newest first, or upcoming events and carpools in date order",
        "parameters": [{"name": name, "in": "query", "schema": {"type": "string"}}
                       for name in ("kind", "category", "q", "upcoming", "page")],
        "responses": {
            "200": json_response("One page of notices", {"type": "object", "properties": {
                "items": {"type": "array", "items": _NOTICE}, "next_page": {"type": ["integer", "null"]}}}),
            "400": error_response("Bad page number"),
        },
    },
    "post": {
        "summary": "Post a notice",
        "security": _SECURED,
        "requestBody": _BODY,
        "responses": {
            "201": json_response("The notice, with its private manage link (shown once)", _NOTICE),
            "400": error_response("A field is missing or wrong"),
            "401": error_response("No device key"),
            "429": error_response("Too many posts from this device or address"),
        },
    },
}, SCHEMAS)
document("/api/v1/notices/{notice_id}", {"get": {
    "summary": "One notice with its replies (oldest first)",
    "parameters": _ID,
    "responses": {"200": json_response("The notice", _NOTICE), "404": error_response("No such notice")},
}})
document("/api/v1/notices/{notice_id}/replies", {"post": {
    "summary": "Reply publicly under a notice",
    "parameters": _ID,
    "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object",
        "required": ["body"], "properties": {"body": {"type": "string", "maxLength": rules.REPLY_MAX},
                                             "pseudonym": _TEXT,
                                             "seat": {"type": "boolean", "description": "carpools: ask for a seat"}}}}}},
    "responses": {
        "201": json_response("The reply", {"$ref": "#/components/schemas/Reply"}),
        "400": error_response("Empty or too long"),
        "401": error_response("No device key"),
        "404": error_response("No such notice"),
        "409": error_response("The notice is closed or past"),
        "429": error_response("Too many replies from this device or address"),
    },
}})
for _move, _summary in (("close", "Close a notice as done (owner): counts as an exchange"),
                        ("renew", "Keep an undated notice on the board longer (owner)")):
    document(f"/api/v1/notices/{{notice_id}}/{_move}", {"post": {
        "summary": _summary,
        "parameters": _ID,
        "security": _SECURED,
        "requestBody": _OWNER_BODY,
        "responses": {
            "200": json_response("The notice", _NOTICE),
            "401": error_response("No device key"),
            "403": error_response("Not the poster (nor the manage token)"),
            "404": error_response("No such notice"),
            "409": error_response("Already closed, or an event (it ends with its date)"),
        },
    }})
document("/api/v1/notices/{notice_id}/event.ics", {"get": {
    "summary": "An event or carpool as an iCalendar file (RFC 5545)",
    "parameters": _ID,
    "responses": {
        "200": {"description": "The .ics file", "content": {"text/calendar": {"schema": {"type": "string"}}}},
        "404": error_response("No such event or carpool"),
    },
}})
