"""boxlocale: an offline give-box, book-crossing shelf and noticeboard for a Raspberry Pi."""

from flask import Flask

__version__ = "0.2.0"


def create_app(test_config=None):
    """Build the app: config, database (created or upgraded), languages, CSRF, blueprints."""
    from flask_wtf.csrf import CSRFProtect

    from . import assets, db, fragments, i18n, pagecache, photos, settings, web
    from .config import ensure_secret_key, load_config

    app = Flask(__name__, static_folder=None)
    app.jinja_environment = web.TemplateEnvironment  # before anything makes app.jinja_env
    config = load_config(test_config)
    app.config.update(config)
    app.config["SECRET_KEY"] = ensure_secret_key(config["DATA_DIR"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # A form left open on a phone for an afternoon must still post.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
    )

    # Not a BOXLOCALE_* setting: a box always writes with synchronous=FULL; unit tests may pass "off".
    db.init_database(config["DATA_DIR"], synchronous=(test_config or {}).get("SQLITE_SYNCHRONOUS", "full"))
    with db.database.connection_context():
        settings.invalidate()
        settings.all_settings()

    from . import network

    network.init_app(app)
    i18n.init_app(app)
    csrf = CSRFProtect(app)
    assets.init_app(app)
    photos.init_app(app)
    pagecache.init_app(app)  # before web: its after-request hook runs after web's
    web.init_app(app)

    @app.teardown_request
    def close_db(exc=None):
        db.close_connection(exc)

    @app.context_processor
    def box_context():
        from flask_babel import get_locale

        return {"box": settings.all_settings(), "lang": str(get_locale() or "fr"), "csrf_token": pagecache.form_token,
                **i18n.template_callables(), **fragments.page_callables()}

    _register_blueprints(app, csrf)
    _register_filters(app)
    from .listing import QUERY_MAX

    app.jinja_env.globals["query_max"] = QUERY_MAX  # the search bar's maxlength, from the listing rules
    return app


def _register_blueprints(app, csrf):
    from .api import bp as api_bp
    from .board import bp as board_bp
    from .books import bp as books_bp
    from .console import bp as console_bp
    from .giveaway import bp as giveaway_bp
    from .network.views import bp as network_bp
    from .people import bp as people_bp
    from .portal import bp as portal_bp
    from .timebank import bp as timebank_bp

    csrf.exempt(api_bp)  # the API authenticates by bearer key, never by cookie
    from .network.views import directory_bp, sync_bp

    csrf.exempt(sync_bp)  # box-to-box sync: each body is signed with the sending box's key
    for blueprint in (portal_bp, giveaway_bp, books_bp, board_bp, people_bp, timebank_bp, console_bp, api_bp,
                      network_bp, sync_bp, directory_bp):
        app.register_blueprint(blueprint)


def _register_filters(app):
    from . import formatting, fragments

    formatting.init_app(app)
    fragments.init_app(app)
