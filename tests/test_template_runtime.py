"""What makes a template render cheaper must not change what it renders: macros imported without the
page's context speak the request's language, a template's globals resolve as Jinja's do, and every form
of a page carries the phone's one token."""

import re

from flask import render_template_string
from flask_babel import force_locale
from jinja2 import DictLoader

from boxlocale import i18n

from .conftest import csrf_token


def _with_macro_file(app, source):
    """A macro file the app can import (beside its own templates)."""
    from jinja2 import ChoiceLoader

    app.jinja_env.loader = ChoiceLoader([DictLoader({"test/macros.html": source}), app.jinja_env.loader])


IMPORTED = """{% import "test/macros.html" as m %}{{ m.say(who) }}|{{ m.count(n) }}"""
MACROS = """{% macro say(who) %}{{ _("Reserved by %(who)s until %(when)s.", who=who, when="<b>") }}{% endmacro %}
{% macro count(n) %}{{ ngettext("%(num)d message", "%(num)d messages", n) }}{% endmacro %}"""


def test_macros_imported_without_context_speak_the_request_language_and_escape(app):
    _with_macro_file(app, MACROS)
    for language, said, counted in (("fr", "Réservé par", "3 messages"), ("en", "Reserved by", "3 messages")):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            page = render_template_string(IMPORTED, who="<Zoé>", n=3)
            assert page.startswith(said), page
            assert "&lt;Zoé&gt;" in page and "&lt;b&gt;" in page and "<b>" not in page
            assert page.endswith(counted)
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert render_template_string(IMPORTED, who="x", n=1).endswith("1 message")
        with force_locale("en"):  # a mail or label in another language, inside a French request
            assert render_template_string(IMPORTED, who="x", n=1).startswith("Reserved by")
        assert render_template_string(IMPORTED, who="x", n=1).startswith("Réservé par")


def test_imported_callables_are_the_request_ones(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        env_gettext = app.jinja_env.globals["_"]
        assert not hasattr(env_gettext, "jinja_pass_arg")  # not Jinja's own path through the context
        assert env_gettext("Search") == i18n.template_callables()["_"]("Search") == "Chercher"


def test_a_templates_own_globals_come_first_and_late_globals_are_seen(app):
    template = app.jinja_env.from_string("{{ shade }} {{ late }} {{ missing is defined }}",
                                         globals={"shade": "own"})
    app.jinja_env.globals["shade"] = "environment's"
    app.jinja_env.globals["late"] = "added after the template was made"
    assert template.render() == "own added after the template was made False"
    assert template.globals["late"] == "added after the template was made"
    try:
        template.globals["missing"]
    except KeyError:
        pass
    else:
        raise AssertionError("a missing global must raise KeyError")


def test_every_form_of_a_page_carries_the_phones_one_token(app):
    from .test_giveaway_pages import code_of, post_offer

    code = code_of(post_offer(app.test_client(), title="Une chaise").get_data(as_text=True))
    phone = app.test_client()
    phone.set_cookie("bench_fresh", "1")  # rendered by Flask, not the shared page
    first = phone.get(f"/give/{code}")
    assert "session=" in first.headers.get("Set-Cookie", "")  # its first token, in its session
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', first.get_data(as_text=True)))
    assert len(tokens) == 1
    again = phone.get(f"/give/{code}").get_data(as_text=True)
    tokens_again = set(re.findall(r'name="csrf_token" value="([^"]+)"', again))
    assert len(tokens_again) == 1  # signed again maybe (another second): the same raw token inside
    assert {token.split(".")[0] for token in tokens_again} == {token.split(".")[0] for token in tokens}
    answer = phone.post(f"/give/{code}/reply", data={"csrf_token": csrf_token(again), "body": "Encore là ?"})
    assert answer.status_code == 303


class _Html:
    def __html__(self):
        return "<i>made safe by itself</i>"


def test_outputs_are_escaped_as_markupsafe_escapes_them(app):
    from markupsafe import Markup, escape

    values = ["Tom & Jerry <script>'x'\"y\"", "", "déjà vu", Markup("<b>safe</b>"), _Html(), 42, None, 3.5,
              ["<li>"]]
    template = app.jinja_env.from_string("{% for v in values %}[{{ v }}]{% endfor %}")
    assert template.render(values=values) == "".join(f"[{escape(value)}]" for value in values)
    macro = app.jinja_env.from_string("{% macro m(v) %}<p>{{ v }}</p>{% endmacro %}{{ m(value) }}")
    assert macro.render(value="<a & b>") == "<p>&lt;a &amp; b&gt;</p>"  # a macro's Markup is not escaped twice
    plain = app.jinja_env.from_string("{% autoescape false %}{{ v }}{% endautoescape %}")
    assert plain.render(v="<raw>") == "<raw>"


def test_template_calls_still_pass_the_context_to_who_asks_for_it(app):
    from jinja2 import pass_context

    @pass_context
    def asks(context, word):
        return f"{context['who']} {word}"

    def stops():
        raise StopIteration

    class Callable:
        def __call__(self, word, _loop_vars=None):
            return f"called with {word}"

    template = app.jinja_env.from_string(
        "{{ asks('hi') }}|{{ stops() is undefined }}|{{ obj('x') }}|{% for w in ['a'] %}{{ plain(w) }}{% endfor %}")
    page = template.render(asks=asks, stops=stops, obj=Callable(), plain=lambda w: w.upper(), who="Zoé")
    assert page == "Zoé hi|True|called with x|A"
