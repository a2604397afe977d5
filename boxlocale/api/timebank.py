"""The time bank as JSON: accounts, recording hours on a closed help notice, confirming."""

from flask import jsonify

from ..board import rules as board_rules
from ..devices import current_actor, require_device
from ..formatting import iso
from ..listing import PAGE_MAX
from ..timebank import rules
from . import bp
from .common import page_number, request_data
from .openapi import document, error_response, json_response


def entry_json(entry, actor):
    return {
        "id": entry.id, "notice_id": entry.notice_id, "from": entry.giver.pseudonym, "to": entry.receiver.pseudonym,
        "hours": entry.minutes / 60, "note": entry.note, "status": entry.status,
        "created_at": iso(entry.created_at), "confirmed_at": iso(entry.confirmed_at),
        "moves": sorted(rules.allowed_moves(entry, actor)),
    }


def _writer():
    require_device()
    return current_actor()


def account_json(account, actor):
    data = {"pseudonym": account["device"].pseudonym, "balance_hours": account["balance"] / 60,
            "limit_hours": account["limit"] / 60, "history": [entry_json(e, actor) for e in account["history"]]}
    if account["own"]:
        data["to_confirm"] = [entry_json(e, actor) for e in account["to_confirm"]]
        data["recorded"] = [entry_json(e, actor) for e in account["recorded"]]
    return data


@bp.route("/timebank/accounts/<pseudonym>")
def timebank_account(pseudonym):
    actor = current_actor()
    return jsonify(account_json(rules.account_of(pseudonym, actor), actor))


@bp.route("/notices/<int:notice_id>/hours", methods=["POST"])
def record_hours(notice_id):
    actor = _writer()
    entry, code = rules.record(board_rules.get_notice(notice_id, actor), actor, request_data())
    data = entry_json(entry, actor)
    data["confirm_code"] = code
    return jsonify(data), 201


@bp.route("/timebank/entries")
def timebank_ledger():
    actor = current_actor()
    entries, next_page = rules.ledger(page_number())
    return jsonify({"entries": [entry_json(entry, actor) for entry in entries], "next_page": next_page})


@bp.route("/timebank/entries/<int:entry_id>")
def timebank_entry(entry_id):
    actor = current_actor()
    return jsonify(entry_json(rules.get_entry(entry_id, actor), actor))


_MOVES = {"confirm": rules.confirm, "decline": rules.decline, "withdraw": rules.withdraw}


def timebank_move(entry_id, move):
    actor = _writer()
    entry = _MOVES[move](rules.get_entry(entry_id, actor), actor)
    return jsonify(entry_json(rules.get_entry(entry.id, actor), actor))


for _name in _MOVES:
    bp.add_url_rule(f"/timebank/entries/<int:entry_id>/{_name}", f"timebank_{_name}", timebank_move,
                    methods=["POST"], defaults={"move": _name})


@bp.route("/timebank/confirm", methods=["POST"])
def timebank_confirm_code():
    actor = _writer()
    code = request_data().get("code")
    entry = rules.confirm_by_code(code if isinstance(code, str) else "", actor)
    return jsonify(entry_json(rules.get_entry(entry.id, actor), actor))


# --- OpenAPI ------------------------------------------------------------------------------------

_ENTRY = {"$ref": "#/components/schemas/TimeEntry"}
_SECURED = [{"deviceKey": []}]
SCHEMAS = {
    "TimeEntry": {"type": "object", "properties": {
        "id": {"type": "integer"}, "notice_id": {"type": ["integer", "null"]},
        "from": {"type": ["string", "null"], "description": "pseudonym of who gave the help"},
        "to": {"type": ["string", "null"], "description": "pseudonym of who received it"},
        "hours": {"type": "number"}, "note": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "confirmed", "cancelled"]},
        "created_at": {"type": "string", "format": "date-time"},
        "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
        "moves": {"type": "array", "items": {"type": "string"}, "description": "what this device may do"},
        "confirm_code": {"type": "string", "description": "only in the answer to the recording"},
    }},
    "TimeAccount": {"type": "object", "properties": {
        "pseudonym": {"type": ["string", "null"]}, "balance_hours": {"type": "number"},
        "limit_hours": {"type": "number", "description": "how far below zero a balance may go"},
        "history": {"type": "array", "items": _ENTRY},
        "to_confirm": {"type": "array", "items": _ENTRY, "description": "own account only"},
        "recorded": {"type": "array", "items": _ENTRY, "description": "own account only"},
    }},
}
document("/api/v1/timebank/accounts/{pseudonym}", {"get": {
    "summary": "A neighbour's time bank: balance and confirmed history (and, for their own device, what waits)",
    "parameters": [{"name": "pseudonym", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": json_response("The account", {"$ref": "#/components/schemas/TimeAccount"}),
                  "404": error_response("No neighbour with this pseudonym")},
}}, SCHEMAS)
document("/api/v1/notices/{notice_id}/hours", {"post": {
    "summary": "Record hours of help given on a closed help notice; the other person confirms",
    "parameters": [{"name": "notice_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["with", "direction", "hours"], "properties": {
            "with": {"type": "string", "description": "the other person's pseudonym"},
            "direction": {"type": "string", "enum": ["gave", "received"]},
            "hours": {"type": "string", "description": "e.g. 1.5, 1h30 (quarters of an hour, up to 24)"},
            "note": {"type": "string", "maxLength": rules.NOTE_MAX}}}}}},
    "responses": {
        "201": json_response("Recorded, waiting for the other's confirmation", _ENTRY),
        "400": error_response("A field is missing or wrong"),
        "401": error_response("No device key"),
        "403": error_response("Neither is the poster, or the other did not answer the notice"),
        "404": error_response("No such notice"),
        "409": error_response("Not a closed help notice, already recorded, or over the balance limit"),
        "429": error_response("Too many writes"),
    },
}})
document("/api/v1/timebank/entries", {"get": {
    "summary": f"The box's ledger: confirmed entries, newest first ({rules.LEDGER_PAGE} per page)",
    "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}}],
    "responses": {"200": json_response("A page of the ledger", {"type": "object", "properties": {
        "entries": {"type": "array", "items": _ENTRY}, "next_page": {"type": ["integer", "null"]}}}),
        "400": error_response("Not a page number")},
}})
_ENTRY_ID = [{"name": "entry_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
document("/api/v1/timebank/entries/{entry_id}", {"get": {
    "summary": "One time bank entry (a pending one only for its two people)",
    "parameters": _ENTRY_ID,
    "responses": {"200": json_response("The entry", _ENTRY), "404": error_response("No such entry")},
}})
for _move, _summary in (("confirm", "The other person confirms: the hours count"),
                        ("decline", "The other person declines: the entry is cancelled"),
                        ("withdraw", "Who recorded it takes it back before it is confirmed")):
    document(f"/api/v1/timebank/entries/{{entry_id}}/{_move}", {"post": {
        "summary": _summary, "parameters": _ENTRY_ID, "security": _SECURED,
        "responses": {"200": json_response("The entry", _ENTRY), "401": error_response("No device key"),
                      "403": error_response("Not this device's move"), "404": error_response("No such entry"),
                      "409": error_response("Already cancelled or confirmed, or over the balance limit")},
    }})
document("/api/v1/timebank/confirm", {"post": {
    "summary": "Confirm an entry by the short code the other phone shows",
    "security": _SECURED,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}}}},
    "responses": {"200": json_response("The confirmed entry", _ENTRY), "400": error_response("Not a code"),
                  "401": error_response("No device key"), "404": error_response("No entry waits with this code"),
                  "409": error_response("Over the balance limit"), "429": error_response("Too many tries")},
}})
