"""A box restored from a backup: its log may be older than events it already sent out, so writing on
with the same key would fork its history. It starts a new key instead, announced by the old one
(``box.successor``): the network moves the box's place (prefix, name, village) to the new key."""

from ..db import writing
from . import identity, log


def start_new_key(data_dir):
    from . import ensure_self

    if not identity.key_path(data_dir).exists():  # a backup without the key: a new box, nothing to announce
        key = identity.ensure_box_key(data_dir)
        log.set_identity(key)
        with writing():
            ensure_self()
        return identity.public_hex(key)
    old, new = identity.replace_box_key(data_dir)
    log.set_identity(old)
    with writing():
        log.emit("box.successor", {"key": identity.public_hex(new)}, target="box:" + identity.public_hex(new),
                 applied=False)
        log.set_identity(new)
        ensure_self()
        from . import apply

        apply.settle()
    return identity.public_hex(new)
