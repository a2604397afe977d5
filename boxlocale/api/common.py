"""Small helpers the API modules share."""

from flask import request
from flask_babel import lazy_gettext as _l

from ..errors import ValidationError

PAGE_SIZE = 20
PAGE_MAX = 100_000  # far beyond any listing of the box, far below what SQLite's OFFSET overflows at


def request_data():
    """The fields of a JSON body or of a form (multipart for photos), as a plain dict of strings."""
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ValidationError(_l("The body must be a JSON object."))
        return data
    return request.form.to_dict()


def page_number():
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        raise ValidationError(fields={"page": _l("Must be a whole number.")}) from None
    if page < 1:
        raise ValidationError(fields={"page": _l("Must be 1 or more.")})
    if page > PAGE_MAX:
        raise ValidationError(fields={"page": _l("Must be %(limit)s or less.", limit=PAGE_MAX)})
    return page
