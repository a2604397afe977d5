"""A phone's own corner over JSON (docs/API.md, "My posts and answers"): my posts, the recovery code,
since the last visit, answers under give-box items, carpool passengers. The same rules as the pages."""

from flask import jsonify, request

from ..board import rules as board
from ..devices import current_actor, require_device
from ..formatting import iso
from ..giveaway import rules as giveaway
from ..people import mine
from . import bp
from .common import request_data
from .items import item_json
from .notices import notice_json, reply_json
from .openapi import document, error_response, json_response
from .timebank import account_json


def _writer():
    require_device()  # 401 without a bearer key
    return current_actor()


def item_reply_json(reply):
    return {"id": reply.id, "body": reply.body, "pseudonym": reply.pseudonym, "created_at": iso(reply.created_at),
            "held_for_review": reply.hidden}


@bp.route("/mine", methods=["GET"])
def my_posts():
    actor = _writer()
    posts = mine.my_posts(actor)

    def items(rows):
        return [dict(item_json(row["item"], actor), moves=sorted(row["moves"])) for row in rows]

    return jsonify({
        "offers": items(posts["offers"]), "wanted": items(posts["wanted"]), "reserved": items(posts["reserved"]),
        "notices": [dict(notice_json(row["notice"], actor), moves=sorted(row["moves"]), replies_count=row["replies"])
                    for row in posts["notices"]],
        "books_held": [row["book"].code for row in posts["books_held"]],
        "books_registered": [row["book"].code for row in posts["books_registered"]],
        "since_last_visit": [dict(entry, when=iso(entry["when"])) for entry in mine.news_since(actor.device)],
        "timebank": account_json(posts["timebank"], actor),
    })


@bp.route("/mine/seen", methods=["POST"])
def my_news_seen():
    mine.mark_seen(_writer().device)
    return "", 204


@bp.route("/mine/recovery", methods=["POST"])
def my_recovery_code():
    return jsonify({"recovery_code": mine.new_recovery_code(_writer())}), 201


@bp.route("/devices/recover", methods=["POST"])
def recover_device():
    _device, key = mine.recover(str(request_data().get("code") or ""), request.remote_addr)
    return jsonify({"device_key": key}), 201


@bp.route("/items/<code>/replies", methods=["GET"])
def item_replies(code):
    item = giveaway.get_item(code, current_actor())
    return jsonify({"replies": [item_reply_json(reply) for reply in giveaway.replies_of(item)]})


@bp.route("/items/<code>/replies", methods=["POST"])
def post_item_reply(code):
    actor = _writer()
    reply = giveaway.add_reply(giveaway.get_item(code, actor), actor, request_data())
    return jsonify(item_reply_json(reply)), 201


@bp.route("/notices/<int:notice_id>/replies/<int:reply_id>/accept", methods=["POST"])
def accept_passenger(notice_id, reply_id):
    actor = _writer()
    reply = board.accept_passenger(board.get_notice(notice_id, actor), actor, reply_id)
    return jsonify(dict(reply_json(reply), seat_request=True, accepted=True,
                        seats_left=board.seats_left(reply.notice)))


# OpenAPI

_SECURITY = [{"deviceKey": []}]
_TEXT = {"type": "string"}
_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
_ITEM_REPLY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "body": _TEXT, "pseudonym": _TEXT, "created_at": {"type": "string", "format": "date-time"},
    "held_for_review": {"type": "boolean"}}}
_NEWS = {"type": "object", "properties": {
    "kind": {"type": "string", "enum": ["notice_reply", "item_reply", "reserved", "reservation_ends", "book_caught",
                                        "match", "draw_won", "draw_not_drawn", "draw_passed_on", "draw_turn_passed",
                                        "hours_to_confirm"]},
    "title": _TEXT, "url": _TEXT, "when": {"type": "string", "format": "date-time"}, "who": _TEXT}}
_WITH_MOVES = {"moves": {"type": "array", "items": _TEXT}}

document("/api/v1/mine", {"get": {
    "summary": "What this device posted, holds and reserved, with the moves it may make, and its news since "
               "its last visit (computed now; nothing is written)",
    "security": _SECURITY,
    "responses": {"200": json_response("My posts", {"type": "object", "properties": {
        "offers": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Item"},
                                                        {"type": "object", "properties": _WITH_MOVES}]}},
        "wanted": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
        "reserved": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
        "notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
        "books_held": {"type": "array", "items": _TEXT}, "books_registered": {"type": "array", "items": _TEXT},
        "since_last_visit": {"type": "array", "items": _NEWS},
        "timebank": {"$ref": "#/components/schemas/TimeAccount"}}}),
        "401": error_response("No device key")},
}})
document("/api/v1/mine/seen", {"post": {
    "summary": "The news was read: the next \"since your last visit\" starts now",
    "security": _SECURITY,
    "responses": {"204": {"description": "Marked"}, "401": error_response("No device key")},
}})
document("/api/v1/mine/recovery", {"post": {
    "summary": "A new recovery code for this device (shown once; the previous one stops working)",
    "security": _SECURITY,
    "responses": {"201": json_response("The code to write down", {"type": "object", "properties": {
        "recovery_code": {"type": "string", "pattern": "^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$"}}}),
        "401": error_response("No device key")},
}})
document("/api/v1/devices/recover", {"post": {
    "summary": "Type a recovery code: a new key for the device that made it (its old key stops working)",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["code"], "properties": {"code": _TEXT}}}}},
    "responses": {"201": json_response("The device's new key", {"type": "object", "properties": {
        "device_key": _TEXT}}), "400": error_response("Unknown or malformed code"),
        "429": error_response("Too many tries from this address")},
}})
document("/api/v1/items/{code}/replies", {
    "get": {"summary": "The answers under an item, oldest first", "parameters": [_CODE],
            "responses": {"200": json_response("Answers", {"type": "object", "properties": {
                "replies": {"type": "array", "items": {"$ref": "#/components/schemas/ItemReply"}}}}),
                "404": error_response("No such item")}},
    "post": {"summary": "Answer under an item (\"I have one\" on a wanted post, a question on an offer)",
             "security": _SECURITY, "parameters": [_CODE],
             "requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "type": "object", "required": ["body"], "properties": {
                     "body": {"type": "string", "maxLength": giveaway.REPLY_MAX}, "pseudonym": _TEXT}}}}},
             "responses": {"201": json_response("The answer", {"$ref": "#/components/schemas/ItemReply"}),
                           "400": error_response("A field is wrong"), "401": error_response("No device key"),
                           "404": error_response("No such item"), "409": error_response("The item is closed"),
                           "429": error_response("Too many writes")}},
}, schemas={"ItemReply": _ITEM_REPLY})
document("/api/v1/notices/{notice_id}/replies/{reply_id}/accept", {"post": {
    "summary": "The driver takes a passenger who asked for a seat (one seat fewer)",
    "security": _SECURITY,
    "parameters": [{"name": "notice_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                   {"name": "reply_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": json_response("The accepted request and the seats left", {"type": "object"}),
                  "401": error_response("No device key"), "403": error_response("Not the driver"),
                  "404": error_response("No such seat request"), "409": error_response("No seat left")},
}})
