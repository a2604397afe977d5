"""Fair draws of give-box offers as JSON: the outcome, joining and leaving."""

from flask import jsonify

from ..devices import current_actor, require_device
from ..formatting import iso
from ..giveaway import draws
from . import bp
from .common import request_data
from .openapi import document, error_response, json_response


def draw_json(found, actor):
    seen = draws.outcome(found, actor)
    state = "finished" if seen["finished"] else ("open" if seen["open"] else "drawn")
    drawn = found.drawn_at is not None
    return {
        "item_code": found.item.code, "status": state, "ends_at": iso(found.ends_at),
        "drawn_at": iso(found.drawn_at), "seed": seen["seed"] or None, "count": seen["count"],
        "entries": [{"number": seen["numbers"][entry.id], "word": entry.word,
                     "rank": entry.rank if drawn else None} for entry in seen["entries"]],
        "current_rank": found.position if seen["current"] is not None else None,
        "mine": {"word": seen["mine"].word, "rank": seen["mine"].rank} if seen["mine"] else None,
        "i_won": seen["i_won"], "moves": sorted(draws.allowed_moves(found, actor)),
    }


@bp.route("/items/<code>/draw")
def item_draw(code):
    actor = current_actor()
    return jsonify(draw_json(draws.get_draw(code, actor), actor))


@bp.route("/items/<code>/draw/interested", methods=["POST"])
def draw_interested(code):
    require_device()
    actor = current_actor()
    found = draws.get_draw(code, actor)
    word = request_data().get("word")
    draws.interested(found, actor, word if isinstance(word, str) else "")
    return jsonify(draw_json(found, actor))


@bp.route("/items/<code>/draw/not_interested", methods=["POST"])
def draw_not_interested(code):
    require_device()
    actor = current_actor()
    found = draws.get_draw(code, actor)
    draws.not_interested(found, actor)
    return jsonify(draw_json(found, actor))


_DRAW = {"$ref": "#/components/schemas/Draw"}
_CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]
_SECURED = [{"deviceKey": []}]
SCHEMAS = {"Draw": {"type": "object", "properties": {
    "item_code": {"type": "string"},
    "status": {"type": "string", "enum": ["open", "drawn", "finished"]},
    "ends_at": {"type": "string", "format": "date-time"},
    "drawn_at": {"type": ["string", "null"], "format": "date-time"},
    "seed": {"type": ["string", "null"], "description": "rank = order of SHA-256(\"seed:number\")"},
    "count": {"type": "integer"},
    "entries": {"type": "array", "items": {"type": "object", "properties": {
        "number": {"type": "integer", "description": "order of arrival, from 1"}, "word": {"type": "string"},
        "rank": {"type": ["integer", "null"], "description": "0 won; null before the draw"}}}},
    "current_rank": {"type": ["integer", "null"], "description": "whose turn it is now (reserved for them)"},
    "mine": {"type": ["object", "null"]}, "i_won": {"type": "boolean"},
    "moves": {"type": "array", "items": {"type": "string"}},
}}}
document("/api/v1/items/{code}/draw", {"get": {
    "summary": "The fair draw of an item: who is in, the seed and the order once drawn",
    "parameters": _CODE,
    "responses": {"200": json_response("The draw", _DRAW), "404": error_response("No such item or no draw")},
}}, SCHEMAS)
document("/api/v1/items/{code}/draw/interested", {"post": {
    "summary": "Say \"I'm interested\" with a word, before the draw's end",
    "parameters": _CODE, "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["word"], "properties": {"word": {"type": "string", "minLength": draws.WORD_MIN,
                                                                        "maxLength": draws.WORD_MAX}}}}}},
    "responses": {"200": json_response("The draw", _DRAW), "400": error_response("No word"),
                  "401": error_response("No device key"), "404": error_response("No such item or no draw"),
                  "409": error_response("The draw is over, or it is one's own item"),
                  "429": error_response("Too many writes")},
}})
document("/api/v1/items/{code}/draw/not_interested", {"post": {
    "summary": "Leave the draw before it is drawn",
    "parameters": _CODE, "security": _SECURED,
    "responses": {"200": json_response("The draw", _DRAW), "401": error_response("No device key"),
                  "404": error_response("No such item or no draw"), "409": error_response("The draw is over")},
}})
