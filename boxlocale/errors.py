"""The small set of domain errors. Domain functions raise them; the HTML views and the API turn
them into a page or the JSON error of API.md. Messages are lazy so they render in the request's
language."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    code = "validation"
    default_message = _l("Something is wrong with this request.")

    def __init__(self, message=None, fields=None):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message
        self.fields = fields or {}


class ValidationError(DomainError):
    status, code = 400, "validation"
    default_message = _l("Please check the form: some fields need a change.")


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"
    default_message = _l("This needs a device key.")


class Forbidden(DomainError):
    status, code = 403, "forbidden"
    default_message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status, code = 404, "not_found"
    default_message = _l("Nothing here: the code may be wrong, or it was removed.")


class Conflict(DomainError):
    status, code = 409, "conflict"
    default_message = _l("This is no longer possible: someone was quicker, or it has changed.")


class TooLarge(DomainError):
    status, code = 413, "too_large"
    default_message = _l("This is too large for the box.")


class UnsupportedMedia(DomainError):
    status, code = 415, "unsupported_media"
    default_message = _l("This file is not a photo the box can read (JPEG, PNG or WebP).")


class RateLimited(DomainError):
    status, code = 429, "rate_limited"
    default_message = _l("That is a lot in a short time: please wait a little and try again.")

    def __init__(self, retry_after=60, message=None):
        super().__init__(message)
        self.retry_after = int(max(1, retry_after))


class StorageFull(DomainError):
    status, code = 507, "storage_full"
    default_message = _l("The box's memory is full: nothing was saved. Please tell a volunteer.")
