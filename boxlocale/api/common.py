"""Small helpers the API modules share."""

from flask import request
from flask_babel import lazy_gettext as _l

from .. import listing
from ..errors import ValidationError

PAGE_SIZE = 20
MANAGE_HEADER = "X-Manage-Token"


def request_data():
    """The fields of a JSON body or of a form (multipart for photos), as a plain dict of strings."""
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ValidationError(_l("The body must be a JSON object."))
        return data
    return request.form.to_dict()


def page_number():
    """The ``page`` query parameter; a 400 naming the field when it is not a page number."""
    return listing.page_number(request.args.get("page"), strict=True)


def manage_token():
    """The private manage link's secret, the same way for items and notices: the X-Manage-Token
    header, else ``manage_token`` in the JSON body or the form."""
    token = request.headers.get(MANAGE_HEADER)
    if not token and request.mimetype == "application/json":
        body = request.get_json(silent=True)
        token = body.get("manage_token") if isinstance(body, dict) else None
    elif not token:
        token = request.form.get("manage_token")
    return token if isinstance(token, str) and token else None
