"""Home page, languages, security headers, error pages, health check (in-process, real SQLite file)."""

import re

import pytest

from boxlocale.web import CSP


def test_home_is_french_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Boîte à dons" in html and "Livres" in html and "Coups de main" in html
    assert "Quoi de neuf" in html


def test_home_follows_accept_language(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Give-box" in html and "What is new" in html


def test_language_switch_is_remembered(client):
    switch = client.get("/lang/en?next=/books/", headers={"Accept-Language": "fr"})
    assert switch.status_code == 302
    assert switch.headers["Location"] == "/books/"
    # The cookie now wins over the phone's Accept-Language.
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    client.get("/lang/fr")
    assert '<html lang="fr">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil", "javascript:x"])
def test_language_switch_is_not_an_open_redirect(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_default_language_is_a_box_setting(app, client):
    from boxlocale import settings

    with app.app_context():
        settings.save({"default_language": "en"})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/give/", "/nope", "/api/v1/openapi.json", "/healthz"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CSP, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in CSP and "http" not in CSP


def _links(html):
    return set(re.findall(r'(?:href|src|action)="([^"]+)"', html))


def test_no_page_refers_to_anything_outside_the_box(client):
    """Crawl every page reachable from the home page: no absolute URL to another host anywhere."""
    seen, queue = set(), ["/"]
    while queue and len(seen) < 200:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.mimetype not in ("text/html", "text/css"):
            continue
        body = response.get_data(as_text=True)
        assert not re.search(r"(?:https?:)?//(?!box\.lan)[a-z0-9.-]+\.[a-z]{2,}", body.replace("http://www.w3.org/2000/svg", "")), path
        assert "@import" not in body and "url(http" not in body
        for link in _links(body):
            if link.startswith("/") and not link.startswith("//"):
                queue.append(link.replace("&amp;", "&"))
    assert len(seen) > 5


def test_stylesheet_is_served_with_a_content_hash_and_cached_for_good(client):
    html = client.get("/").get_data(as_text=True)
    css_url = re.search(r'href="(/static/[0-9a-f]+/css/box\.css)"', html).group(1)
    css = client.get(css_url)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "immutable" in css.headers["Cache-Control"]
    stale = client.get("/static/0000000000/css/box.css")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert client.get("/static/0000000000/nothing.css").status_code == 404


@pytest.mark.parametrize(
    "language,expected", [("fr", "Cette page n'existe pas"), ("en", "This page does not exist")]
)
def test_404_page_in_the_users_language(client, language, expected):
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert expected in html and "Traceback" not in html
    assert '<main id="main">' in html  # a real page of the box, with its menu


def test_405_page(client):
    response = client.post("/healthz", headers={"Accept-Language": "fr"})
    assert response.status_code == 405
    assert "ne s'utilise pas" in response.get_data(as_text=True)


def test_413_refuses_a_huge_body_early(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.route("/_test_upload", methods=["POST"])
    def _test_upload():  # pragma: no cover - refused before the view
        return "saved"

    response = client.post("/_test_upload", data={"f": "x" * 5000}, headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(app, client):
    @app.route("/_test_form", methods=["POST"])
    def _test_form():  # pragma: no cover - the CSRF check answers first
        return "saved"

    response = client.post("/_test_form", data={"x": "1"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)


def test_500_page_never_shows_a_traceback(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/_test_boom")
    def _test_boom():
        raise RuntimeError("secret internals")

    response = client.get("/_test_boom", headers={"Accept-Language": "fr"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html
    assert "Un souci dans la box" in html


@pytest.mark.parametrize(
    "error_class,status,code",
    [
        ("ValidationError", 400, "validation"), ("Unauthorized", 401, "unauthorized"),
        ("Forbidden", 403, "forbidden"), ("NotFound", 404, "not_found"), ("Conflict", 409, "conflict"),
        ("TooLarge", 413, "too_large"), ("UnsupportedMedia", 415, "unsupported_media"),
        ("RateLimited", 429, "rate_limited"), ("StorageFull", 507, "storage_full"),
    ],
)
def test_domain_errors_become_json_in_the_api_and_pages_elsewhere(app, client, error_class, status, code):
    from boxlocale import errors

    def boom():
        raise getattr(errors, error_class)()

    app.add_url_rule("/api/v1/_test_error", "api_test_error", boom)
    app.add_url_rule("/_test_error", "page_test_error", boom)
    api = client.get("/api/v1/_test_error", headers={"Accept-Language": "fr"})
    assert api.status_code == status
    body = api.get_json()
    assert body["error"]["code"] == code and body["error"]["message"]
    page = client.get("/_test_error", headers={"Accept-Language": "en"})
    assert page.status_code == status and page.mimetype == "text/html"
    if status == 429:
        assert int(api.headers["Retry-After"]) >= 1


def test_api_validation_errors_carry_their_fields(app, client):
    from boxlocale.errors import ValidationError

    def boom():
        raise ValidationError(fields={"title": "Trop court"})

    app.add_url_rule("/api/v1/_test_fields", "api_test_fields", boom)
    body = client.get("/api/v1/_test_fields").get_json()
    assert body["error"]["fields"] == {"title": "Trop court"}


def test_api_errors_are_json_for_unknown_paths_and_methods(client):
    missing = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"})
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/openapi.json")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["db"] == "ok" and body["disk_free_mb"] > 0


def test_healthz_is_503_when_the_disk_is_nearly_full(app, client):
    app.config["MIN_FREE_DISK_MB"] = 10**12
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["ok"] is False


def test_reads_create_no_device(app, client):
    from boxlocale.models import Device

    for path in ("/", "/give/", "/books/", "/board/", "/api/v1/openapi.json"):
        client.get(path)
    with app.app_context():
        assert Device.select().count() == 0
    assert not any(c.key == "bl_device" for c in client._cookies.values())


def test_api_device_keys(client):
    first = client.post("/api/v1/devices")
    second = client.post("/api/v1/devices")
    assert first.status_code == 201
    key = first.get_json()["device_key"]
    assert len(key) >= 22 and key != second.get_json()["device_key"]  # >= 128 bits, unique
