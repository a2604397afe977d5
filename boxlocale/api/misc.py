"""Categories, reports (flags) and thanks as JSON (API.md, Everything else)."""

from flask import jsonify

from ..board.rules import NOTICE_CATEGORIES
from ..devices import current_actor, require_device
from ..giveaway.rules import enabled_categories
from ..people import rules as people
from . import bp
from .common import request_data
from .openapi import document, error_response, json_response


@bp.route("/categories")
def categories():
    return jsonify({
        "items": [{"id": key, "label": str(label)} for key, label in enabled_categories()],
        "notices": [{"id": key, "label": str(label)} for key, label in NOTICE_CATEGORIES],
    })


def _actor():
    require_device()
    return current_actor()


def _target_field(data, name="target"):
    value = data.get(name)
    return value if isinstance(value, str) else ""


@bp.route("/flags", methods=["POST"])
def post_flag():
    data = request_data()
    reason, preset = data.get("reason"), data.get("preset")
    actor = _actor()
    target = people.get_target(_target_field(data), actor)
    flag, hidden = people.report(target, actor, reason if isinstance(reason, str) else "",
                                 preset=preset if isinstance(preset, str) else None)
    return jsonify({"id": flag.id, "target": flag.target, "hidden": hidden}), 201


@bp.route("/thanks", methods=["POST"])
def post_thanks():
    actor = _actor()
    thanks = people.thank(people.get_target(_target_field(request_data()), actor), actor)
    return jsonify({"id": thanks.id, "target": thanks.target, "to_pseudonym": thanks.to_pseudonym}), 201


_LABELLED = {"type": "array", "items": {"type": "object", "properties": {
    "id": {"type": "string"}, "label": {"type": "string"}}}}
_SECURED = [{"deviceKey": []}]
_TARGET = {"type": "string",
           "description": "item:CODE, book:CODE, journal:ID, notice:ID, reply:ID or item_reply:ID"}

document("/api/v1/categories", {"get": {
    "summary": "Categories of give-box items and themes of notices, in the request's language",
    "responses": {"200": json_response("The categories", {"type": "object", "properties": {
        "items": _LABELLED, "notices": _LABELLED}})},
}})
document("/api/v1/flags", {"post": {
    "summary": "Report something; enough distinct phones hide it until a volunteer decides",
    "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["target"],
        "properties": {"target": _TARGET,
                       "preset": {"type": "string", "enum": [key for key, _label in people.REPORT_REASONS],
                                  "description": "a preset reason; `reason` then adds an optional word"},
                       "reason": {"type": "string", "maxLength": people.REASON_MAX,
                                  "description": "without a preset: what is wrong, 2 characters at least"}}}}}},
    "responses": {
        "201": json_response("Recorded; `hidden` says whether this report hid the target", {
            "type": "object", "properties": {"id": {"type": "integer"}, "target": {"type": "string"},
                                             "hidden": {"type": "boolean"}}}),
        "400": error_response("Unknown target or no reason"),
        "401": error_response("No device key"),
        "404": error_response("No such target"),
        "409": error_response("This device already reported it"),
        "429": error_response("Too many reports from this device or address"),
    },
}})
document("/api/v1/thanks", {"post": {
    "summary": "Thank the giver of an item or the poster of a notice (once per device and target)",
    "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["target"],
        "properties": {"target": {"type": "string", "description": "item:CODE or notice:ID"}}}}}},
    "responses": {
        "201": json_response("Thanked", {"type": "object", "properties": {
            "id": {"type": "integer"}, "target": {"type": "string"}, "to_pseudonym": {"type": "string"}}}),
        "400": error_response("Not something one can thank for"),
        "401": error_response("No device key"),
        "403": error_response("One cannot thank oneself"),
        "404": error_response("No such target"),
        "409": error_response("Already thanked"),
        "429": error_response("Too many thanks from this device or address"),
    },
}})
