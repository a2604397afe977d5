"""The network of boxes (docs/NETWORK.md): a signed log per box, merged by union, carried by USB
stick, HTTP or a sync engine. Rules here, views in ``views.py``."""


def init_app(app):
    """Load (or make) this box's key, and keep its own directory entry up to date."""
    from ..db import database, writing
    from . import identity, log, outbox

    key = identity.ensure_box_key(app.config["DATA_DIR"])
    log.set_identity(key)
    with database.connection_context(), writing():
        ensure_self()
        outbox.box_info_changed()


def ensure_self():
    from .. import settings
    from ..models import NetBox
    from . import log

    prefix = settings.get("book_prefix").upper()
    NetBox.insert(key=log.self_key(), admitted=True, is_root=True, prefix=prefix).on_conflict(
        conflict_target=[NetBox.key],
        update={NetBox.admitted: True, NetBox.is_root: True, NetBox.prefix: prefix}).execute()

