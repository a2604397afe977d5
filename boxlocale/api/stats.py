from flask import jsonify

from .. import stats
from . import bp
from .openapi import document, json_response


@bp.route("/stats")
def box_stats():
    figures = stats.periods()
    figures["method_url"] = "/console/stats#method"
    return jsonify(figures)


_FIGURES = {
    "type": "object",
    "properties": {
        **{name: {"type": "integer"} for name, _label in stats.SERIES},
        "kg_reused": {"type": "number", "description": "estimate: taken items × an average weight per category"},
        "kg_co2e_avoided": {"type": "number", "description": "estimate: kg reused × a factor per category"},
        "would_have_bought_answers": {"type": "integer"},
        "would_have_bought_share": {"type": ["number", "null"], "description": "0..1, null without answers"},
        "hours_exchanged": {"type": "number", "description": "confirmed time bank hours"},
        "people_exchanged": {"type": "integer", "description": "neighbours in a confirmed time bank entry"},
        "new_acquaintances": {"type": "integer", "description": "\"yes\" to \"Did you meet someone new?\""},
        "purchases_avoided": {"type": "integer", "description": "\"yes\" to \"Would you otherwise have bought it?\""},
    },
}

document(
    "/api/v1/stats",
    {
        "get": {
            "summary": "The box's impact figures: since the start, the last 30 and the last 7 days",
            "responses": {
                "200": json_response(
                    "Counts and estimates (the method is on the volunteers' figures page)",
                    {
                        "type": "object",
                        "properties": {
                            "since_start": {"$ref": "#/components/schemas/StatsFigures"},
                            "last_30_days": {"$ref": "#/components/schemas/StatsFigures"},
                            "last_7_days": {"$ref": "#/components/schemas/StatsFigures"},
                            "method_url": {"type": "string"},
                        },
                    },
                )
            },
        }
    },
    schemas={"StatsFigures": _FIGURES},
)
