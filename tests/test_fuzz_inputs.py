"""Every input gets a clear 4xx, never a 5xx: the API fuzzed from its own OpenAPI description
(schemathesis, valid and invalid cases, with a device key) and the HTML forms and searches with
hypothesis. Bounded examples, so the whole file stays near a minute."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boxlocale import clock, create_app, ratelimit
from boxlocale.console import accounts
from boxlocale.models import LoginFailure

from .helpers import bearer

pytestmark = pytest.mark.slow

FUZZ = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _openapi_document():
    """The API's own description, as /api/v1/openapi.json serves it (assembled at import)."""
    from boxlocale import __version__
    from boxlocale.api import openapi

    return {"openapi": "3.1.0", "info": {"title": "boxlocale", "version": __version__}, "paths": openapi.PATHS,
            "components": {"schemas": openapi.SCHEMAS,
                           "securitySchemes": {"deviceKey": {"type": "http", "scheme": "bearer"}}}}


SCHEMA = schemathesis.openapi.from_dict(_openapi_document())


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One box for the whole file (a real SQLite file); limits high: the fuzz is about what the input
    does, not about 429s."""
    from boxlocale import settings as box_settings

    ratelimit.reset()
    clock.freeze(None)
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("fuzz")), "LOG_REQUESTS": False,
                      "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        box_settings.save({"posts_per_hour": 100000, "replies_per_hour": 100000})
    app.device_key = app.test_client().post("/api/v1/devices").get_json()["device_key"]
    yield app
    clock.set_offset(0)
    box_settings.invalidate()
    ratelimit.reset()


def _no_server_error(response, what):
    assert response.status_code < 500, f"{response.status_code} for {what}"


def _api_operations():
    return [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(autouse=True)
def _fresh_limits(fuzz_app):
    """The rate limits and the login lockout (in the box's database) start again for each test."""
    ratelimit.reset()
    with fuzz_app.app_context():
        LoginFailure.delete().execute()
    yield


@pytest.mark.parametrize("operation", _api_operations(), ids=lambda operation: operation.label)
def test_the_api_answers_every_generated_request_without_a_5xx(fuzz_app, operation):
    strategy = operation.as_strategy() | operation.as_strategy(
        generation_mode=schemathesis.GenerationMode.NEGATIVE)

    @FUZZ
    @given(strategy)
    def check(case):
        response = case.call(app=fuzz_app, headers=bearer(fuzz_app.device_key))
        _no_server_error(response, f"{case.method} {case.formatted_path} {case.query} {case.body!r}")

    check()


# --- the HTML side ------------------------------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["\x00", "a\x00b", "١٢٣", "٩٧٨٢٠٧٠٣٦٠٠٢٤", "9" * 40, str(2**63), str(-(2**63) - 1), "-1",
                     "0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01", "9999-12-31", "2026-02-30T10:00",
                     "\"", "NEAR(", "*", "'; --", "%00", "\ud7ff", "ＡＢＣ", " ", "\r\n/evil", "/%09/10.0.0.66/x"]),
)
BIG_OR_ODD_NUMBER = st.one_of(st.integers(), st.integers(min_value=2**63 - 2, max_value=2**80).map(str),
                              st.sampled_from(["١", "٣", "1e9", "0x10", "", "-0"]))


def _form(**fields):
    return st.fixed_dictionaries({name: HOSTILE_TEXT for name in fields}).map(
        lambda data: {**{name: value for name, value in fields.items() if value is not None}, **data})


FORMS = {
    "/board/new": _form(kind=None, title=None, body=None, starts_at=None, ends_at=None, seats=None, place=None,
                        destination=None, category=None, contact=None, pseudonym=None),
    "/give/offer": _form(title=None, description=None, category=None, condition=None, where=None,
                         location_note=None, contact=None, pseudonym=None),
    "/give/wanted": _form(title=None, description=None, category=None),
    "/books/new": _form(title=None, author=None, language=None, isbn=None, note=None, code=None, pseudonym=None),
    "/report": _form(target=None, reason=None, next=None),
    "/thanks": _form(target=None, next=None),
}


@pytest.mark.parametrize("path", sorted(FORMS))
def test_html_forms_answer_every_input_without_a_5xx(fuzz_app, path):
    client = fuzz_app.test_client()

    @FUZZ
    @given(FORMS[path])
    def check(data):
        _no_server_error(client.post(path, data=data), f"POST {path} {data!r}")

    check()


def test_journal_entries_answer_every_input_without_a_5xx(fuzz_app):
    client = fuzz_app.test_client()
    registered = client.post("/books/new", data={"title": "Germinal"})
    assert registered.status_code == 303
    code = registered.headers["Location"].split("/books/")[1].split("/")[0]

    @FUZZ
    @given(_form(kind=None, where=None, note=None, rating=None, pseudonym=None, code=None, place=None))
    def check(data):
        _no_server_error(client.post(f"/books/{code}/journal", data=data), f"journal {data!r}")

    check()


SEARCHES = ["/give/", "/books/", "/board/", "/api/v1/items", "/api/v1/books", "/api/v1/notices", "/console/"]


def test_searches_and_pages_answer_without_a_5xx(fuzz_app):
    client = fuzz_app.test_client()

    @FUZZ
    @given(path=st.sampled_from(SEARCHES), q=HOSTILE_TEXT, page=BIG_OR_ODD_NUMBER, other=HOSTILE_TEXT)
    def check(path, q, page, other):
        query = {"q": q, "page": page, "status": other, "kind": other, "category": other, "language": other,
                 "view": other, "month": other}
        _no_server_error(client.get(path, query_string=query), f"GET {path} {query!r}")

    check()


def test_ids_and_codes_in_urls_answer_without_a_5xx(fuzz_app):
    client = fuzz_app.test_client()

    @FUZZ
    @given(ident=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), HOSTILE_TEXT))
    def check(ident):
        _check_ident(client, ident)

    check()


def _check_ident(client, ident):
    from urllib.parse import quote

    part = quote(ident, safe="")
    for path in (f"/board/{part}", f"/board/{part}/event.ics", f"/give/{part}", f"/books/{part}", f"/b/{part}",
                 f"/api/v1/notices/{part}", f"/api/v1/items/{part}", f"/api/v1/books/{part}", f"/people/{part}",
                 f"/report?target=notice:{part}", f"/report?target=journal:{part}"):
        _no_server_error(client.get(path), path)


def test_the_console_clock_and_forms_answer_every_input_without_a_5xx(fuzz_app):
    with fuzz_app.app_context():
        if not accounts.any_volunteer():
            accounts.add("Claire", "correct horse battery")
    client = fuzz_app.test_client()
    assert client.post("/console/login", data={"name": "Claire", "password": "correct horse battery"}
                       ).status_code == 302

    @FUZZ
    @given(phone_time=HOSTILE_TEXT, confirm=st.sampled_from(["", "1", "\x00"]), epoch=BIG_OR_ODD_NUMBER)
    def check(phone_time, confirm, epoch):
        data = {"phone_time": phone_time, "confirm": confirm, "phone_epoch": str(epoch)}
        _no_server_error(client.post("/console/clock", data=data), f"clock {data!r}")
        clock.set_offset(0)

    check()
