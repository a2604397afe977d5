"""openapi.json documents exactly what the app serves under /api/v1 (and /healthz)."""

import re


def _app_operations(app):
    operations = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1/") or rule.rule == "/healthz"):
            continue
        if rule.endpoint.startswith("api_test") or "/_test" in rule.rule:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operations.add((path, method.lower()))
    return operations


def test_openapi_matches_the_routes(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    served = _app_operations(app)
    assert documented == served, {"undocumented": served - documented, "not served": documented - served}


def test_every_operation_has_responses_and_refs_resolve(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    text = str(spec)
    for ref in re.findall(r"#/components/schemas/(\w+)", text):
        assert ref in schemas, ref
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("responses"), f"{method} {path} has no responses"
            assert operation.get("summary"), f"{method} {path} has no summary"


def test_openapi_limits_come_from_the_rules(client):
    from boxlocale import posting
    from boxlocale.board import rules as board
    from boxlocale.books import rules as books

    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    notice = schemas["NoticeInput"]["properties"]
    for name, (low, high) in board.LIMITS.items():
        assert notice[name]["maxLength"] == high and notice[name].get("minLength", 0) == low
    assert notice["pseudonym"]["maxLength"] == posting.PSEUDONYM_MAX
    book = schemas["BookInput"]["properties"]
    assert (book["title"]["maxLength"], book["author"]["maxLength"]) == (books.TITLE_MAX, books.AUTHOR_MAX)
