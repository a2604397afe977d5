"""A request's arguments, form and cookies (web._Values): ``get`` answers as werkzeug's does, without
raising an error inside for a name that is not there."""

import pytest
from flask import request

from boxlocale.web import _Values


def test_request_values_get_as_werkzeug_gets_them(app):
    with app.test_request_context("/give/?page=2&q=&q=pull&bad=x", headers={"Cookie": "lang=en"}):
        for values in (request.args, request.cookies):
            assert isinstance(values, _Values)
        assert request.args.get("page") == "2" and request.args.get("page", type=int) == 2
        assert request.args.get("bad", 1, type=int) == 1 and request.args.get("missing") is None
        assert request.args.get("missing", "", type=int) == "" and request.args.get("q") == ""
        assert request.args.getlist("q") == ["", "pull"]
        assert request.cookies.get("lang") == "en" and request.cookies.get("session", "none") == "none"
        with pytest.raises(KeyError):
            request.args["missing"]
        with pytest.raises(TypeError):
            request.args["page"] = "3"  # still immutable
    with app.test_request_context("/give/offer", method="POST", data={"title": "Vélo"}):
        assert request.form.get("title") == "Vélo" and request.form.get("category", "x") == "x"
