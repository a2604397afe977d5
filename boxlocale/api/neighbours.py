"""Neighbours as JSON: the badge and its way, vouching, the letterbox code, the questions after a thanks."""

from flask import jsonify

from ..devices import current_actor, require_device
from ..formatting import iso
from ..people import rules as people
from ..people import vouching
from . import bp
from .common import request_data
from .openapi import document, error_response, json_response


def badge_json(device):
    badge = vouching.badge(device)
    if badge is None:
        return {"pseudonym": device.pseudonym, "verified": False, "how": None, "vouches": 0, "street": ""}
    return {"pseudonym": device.pseudonym, "verified": True, "how": badge["how"], "label": str(badge["label"]),
            "vouches": badge["vouches"], "street": badge["street"], "since": iso(badge["since"])}


def _writer():
    require_device()
    return current_actor()


@bp.route("/people/<pseudonym>/badge")
def neighbour_badge(pseudonym):
    return jsonify(badge_json(vouching.get_neighbour(pseudonym)))


@bp.route("/people/<pseudonym>/vouch", methods=["POST", "DELETE"])
def neighbour_vouch(pseudonym):
    from flask import request

    actor = _writer()
    device = vouching.get_neighbour(pseudonym)
    done = vouching.unvouch(device, actor) if request.method == "DELETE" else vouching.vouch(device, actor)
    return jsonify(badge_json(done))


@bp.route("/letterbox", methods=["POST"])
def letterbox_code():
    actor = _writer()
    data = request_data()
    code, pseudonym = data.get("code"), data.get("pseudonym")
    show = data.get("show_street") in (True, "1", "true", "on")
    device = vouching.redeem_letterbox_code(code if isinstance(code, str) else "", actor,
                                            pseudonym if isinstance(pseudonym, str) else "", show)
    return jsonify(badge_json(device))


@bp.route("/thanks/<int:thanks_id>/answers", methods=["POST"])
def thanks_answers(thanks_id):
    actor = _writer()
    data = request_data()
    thanks = people.answer_thanks(people.get_thanks(thanks_id, actor), actor, data.get("met_someone_new"),
                                  data.get("would_have_bought"))
    return jsonify({"id": thanks.id, "target": thanks.target, "met_someone_new": thanks.met_someone_new,
                    "would_have_bought": thanks.would_have_bought})


_BADGE = {"$ref": "#/components/schemas/Badge"}
_NAME = [{"name": "pseudonym", "in": "path", "required": True, "schema": {"type": "string"}}]
_SECURED = [{"deviceKey": []}]
SCHEMAS = {"Badge": {"type": "object", "properties": {
    "pseudonym": {"type": ["string", "null"]}, "verified": {"type": "boolean"},
    "how": {"type": ["string", "null"], "enum": ["volunteer", "vouched", "letterbox", None]},
    "label": {"type": "string"}, "vouches": {"type": "integer"},
    "street": {"type": "string", "description": "letterbox badges, only if the neighbour wanted it shown"},
    "since": {"type": "string", "format": "date-time"},
}}}
document("/api/v1/people/{pseudonym}/badge", {"get": {
    "summary": "A neighbour's \"verified neighbour\" badge and the way it was given",
    "parameters": _NAME,
    "responses": {"200": json_response("The badge", _BADGE), "404": error_response("No such neighbour")},
}}, SCHEMAS)
_VOUCH_ERRORS = {"200": json_response("The neighbour's badge", _BADGE), "401": error_response("No device key"),
                 "403": error_response("Not a verified neighbour, or oneself"),
                 "404": error_response("No such neighbour"), "429": error_response("Too many writes")}
document("/api/v1/people/{pseudonym}/vouch", {
    "post": {"summary": "A verified neighbour vouches for this one (two vouches give the badge)",
             "parameters": _NAME, "security": _SECURED, "responses": _VOUCH_ERRORS},
    "delete": {"summary": "Take one's vouch back (a badge resting on it may lapse)",
               "parameters": _NAME, "security": _SECURED, "responses": _VOUCH_ERRORS},
})
document("/api/v1/letterbox", {"post": {
    "summary": "Type the one-time code of a card found in one's letterbox: the badge",
    "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "pseudonym": {"type": "string"},
            "show_street": {"type": "boolean", "description": "else the box forgets the street too"}}}}}},
    "responses": {"200": json_response("The badge", _BADGE), "400": error_response("Not a code, or no pseudonym"),
                  "401": error_response("No device key"), "404": error_response("Unknown or used code"),
                  "409": error_response("Already verified"), "429": error_response("Too many tries")},
}})
document("/api/v1/thanks/{thanks_id}/answers", {"post": {
    "summary": "The optional one-tap questions after a thanks (by the device that thanked)",
    "parameters": [{"name": "thanks_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"met_someone_new": {"type": "boolean"},
                                         "would_have_bought": {"type": "boolean"}}}}}},
    "responses": {"200": json_response("The answers", {"type": "object"}), "400": error_response("Not yes or no"),
                  "401": error_response("No device key"), "404": error_response("No such thanks of this device")},
}})
