"""Fill the bench's own data dir fast: bulk inserts through the models, photos through the real pipeline."""

import hashlib
import time
from datetime import timedelta

import pipeline
from images import camera_jpeg
from peewee import chunked

TITLES = ["Pull en laine", "Poussette pliable", "Lot de casseroles", "Perceuse", "Chaise en bois",
          "Livres pour enfants", "Bottes de pluie 38", "Lampe de bureau", "Jeu de société", "Vélo enfant"]
AUTHORS = ["Marcel Pagnol", "George Sand", "Jules Verne", "Colette", "Victor Hugo", "Annie Ernaux"]
NOTICE_KINDS = ["offer", "request", "event", "carpool", "info"]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def short_code(number, length=5):
    """A unique Crockford base32 code per number (what the give-box uses for items)."""
    digits = []
    for _ in range(length):
        number, rest = divmod(number, 32)
        digits.append(CROCKFORD[rest])
    return "".join(reversed(digits))


def _insert(model, rows):
    from boxlocale.db import writing

    for batch in chunked(rows, 500):
        with writing():
            model.insert_many(batch).execute()


def seed(app, items, books, notices, photos, photo_size):
    """Insert the rows; return what was made and how long it took."""
    from boxlocale import clock
    from boxlocale.db import database
    from boxlocale.models import Book, Device, Item, ItemPhoto, JournalEntry, Notice, Reply

    started = time.perf_counter()
    now = clock.now()
    with app.app_context():
        database.connect(reuse_if_open=True)
        _insert(Device, [{"key_hash": hashlib.sha256(f"bench{i}".encode()).hexdigest(),
                          "pseudonym": f"Voisin {i}", "created_at": now,
                          "verified_at": now if i % 5 == 0 else None} for i in range(1, 201)])
        device_ids = [d.id for d in Device.select(Device.id)]

        def device(i):
            return device_ids[i % len(device_ids)]

        _insert(Item, [{
            "code": short_code(i), "title": f"{TITLES[i % len(TITLES)]} n°{i}",
            "description": "Propre, à venir chercher quand vous voulez.\nMerci !",
            "status": "available" if i % 10 else "reserved", "device": device(i), "pseudonym": f"Voisin {i % 200}",
            "reserved_until": None if i % 10 else now + timedelta(hours=12),
            "reserved_by": None if i % 10 else device(i + 1),
            "manage_hash": hashlib.sha256(f"m{i}".encode()).hexdigest(),
            "created_at": now - timedelta(minutes=i), "updated_at": now - timedelta(minutes=i),
            "expires_at": now + timedelta(days=20),
        } for i in range(items)])
        photo_ids = pipeline.store_photos(app, [camera_jpeg(*photo_size, seed=n) for n in range(photos)])
        if photo_ids:
            # Newest first, as the listing shows them: its first page gets distinct photos.
            item_ids = [row.id for row in Item.select(Item.id).order_by(Item.created_at.desc())]
            _insert(ItemPhoto, [{"item": item_id, "photo": photo_ids[n % len(photo_ids)], "position": 0}
                                for n, item_id in enumerate(item_ids)])

        _insert(Book, [{
            "code": f"BOX-{i + 1:04d}", "check_part": short_code(i, 2), "title": f"Livre n°{i}",
            "author": AUTHORS[i % len(AUTHORS)], "language": "fr", "status": "on_shelf", "device": device(i),
            "created_at": now - timedelta(minutes=i), "updated_at": now - timedelta(minutes=i),
        } for i in range(books)])
        _insert(JournalEntry, [{"book": row.id, "kind": "released", "place": "Étagère de la box",
                                "device": device(row.id), "created_at": now - timedelta(minutes=row.id)}
                               for row in Book.select(Book.id)])

        _insert(Notice, [{
            "kind": NOTICE_KINDS[i % len(NOTICE_KINDS)], "title": f"Coup de main n°{i}",
            "body": "Qui pourrait m'aider samedi matin ?", "device": device(i), "pseudonym": f"Voisin {i % 200}",
            "starts_at": now + timedelta(days=1 + i % 30) if i % 5 in (2, 3) else None,
            "created_at": now - timedelta(minutes=i), "updated_at": now - timedelta(minutes=i),
            "expires_at": now + timedelta(days=30),
        } for i in range(notices)])
        _insert(Reply, [{"notice": row.id, "body": "Je peux vous aider.", "device": device(row.id),
                         "created_at": now} for row in Notice.select(Notice.id).where(Notice.id % 4 == 0)])
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
    return {"items": items, "books": books, "notices": notices, "photos": len(photo_ids),
            "seconds": round(time.perf_counter() - started, 2)}
