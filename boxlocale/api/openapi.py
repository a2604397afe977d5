"""The OpenAPI 3.1 description, assembled from what each API module documents with ``document()``.
A test checks it against the app's routes."""

from flask import jsonify

from .. import __version__
from . import bp

PATHS = {}
SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "enum": [
                            "validation", "unauthorized", "forbidden", "not_found", "conflict",
                            "too_large", "unsupported_media", "rate_limited", "storage_full",
                            "method_not_allowed", "internal", "unavailable",
                        ],
                    },
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
}


def document(path, operations, schemas=None):
    """Add ``operations`` ({"get": {...}}) for ``path`` (full path, e.g. /api/v1/items)."""
    PATHS.setdefault(path, {}).update(operations)
    SCHEMAS.update(schemas or {})


def error_response(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def json_response(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@bp.route("/openapi.json")
def openapi_json():
    return jsonify(
        {
            "openapi": "3.1.0",
            "info": {"title": "boxlocale", "version": __version__},
            "paths": PATHS,
            "components": {
                "schemas": SCHEMAS,
                "securitySchemes": {"deviceKey": {"type": "http", "scheme": "bearer"}},
            },
        }
    )


document(
    "/api/v1/openapi.json",
    {"get": {"summary": "This description", "responses": {"200": {"description": "OpenAPI document"}}}},
)
document(
    "/healthz",
    {
        "get": {
            "summary": "Health of the box",
            "responses": {
                "200": json_response(
                    "Healthy",
                    {
                        "type": "object",
                        "properties": {
                            "ok": {"type": "boolean"},
                            "db": {"type": "string"},
                            "disk_free_mb": {"type": "integer"},
                        },
                    },
                ),
                "503": {"description": "Database or disk in trouble"},
            },
        }
    },
)
