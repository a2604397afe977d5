from flask import jsonify, request

from .. import ratelimit
from ..devices import create_device
from . import bp
from .openapi import document, error_response, json_response


@bp.route("/devices", methods=["POST"])
def new_device():
    # Keys are cheap to ask for; a loop asking for thousands would still fill the table.
    ratelimit.hit("devices", request.remote_addr, limit=60)
    _device, key = create_device()
    return jsonify({"device_key": key}), 201


document(
    "/api/v1/devices",
    {
        "post": {
            "summary": "Get a device key (identity without an account)",
            "responses": {
                "201": json_response(
                    "The new key; send it as `Authorization: Bearer <key>` on writes",
                    {"type": "object", "properties": {"device_key": {"type": "string"}}},
                ),
                "429": error_response("Too many new keys from this address"),
            },
        }
    },
)
