"""waitress refuses a request body past its limit before reading it (a Pi must not swallow 40 MB),
but answers in English plain text. Here that answer is the box's own 413: the page in the person's
language (their Accept-Language and language cookie), or the JSON error under /api, with the box's
security headers."""

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge

_PASSED_ON = ("ACCEPT_LANGUAGE", "COOKIE", "HOST")


def install(app):
    """Make every waitress channel of this process answer a too-large request with the box's page."""

    class BoxErrorTask(ErrorTask):
        def execute(self):
            if not isinstance(self.request.error, RequestEntityTooLarge):
                return super().execute()
            status, headers, body = too_large_response(app, self.request.path or "/", self.request.headers)
            self.status = status
            self.response_headers.extend(headers)
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    HTTPChannel.error_task_class = BoxErrorTask


def too_large_response(app, path, raw_headers):
    """(status line, headers, body) of the box's 413 for a request to ``path`` with these headers."""
    from .web import HTTP_MESSAGES, error_response

    headers = {name.replace("_", "-").title(): value for name, value in raw_headers.items() if name in _PASSED_ON}
    with app.test_request_context(path, method="POST", headers=headers):
        response = app.process_response(error_response(413, HTTP_MESSAGES[413]))
        body = response.get_data()
    kept = [(name, value) for name, value in response.headers.items() if name.lower() != "content-length"]
    return "413 Request Entity Too Large", kept, body
