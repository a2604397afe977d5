"""Helpers of the noticeboard and people tests: phones, form posts with their CSRF token, devices."""

from .helpers import new_device, submit  # noqa: F401 - the notice tests import them from here


def post_notice(phone, **fields):
    data = {"kind": "offer", "title": "Je prête une échelle", "body": "", **fields}
    return submit(phone, "/board/new", data)


def live_phone(box, language="fr", source=None):
    return box.session(language, source=source)
