"""Photos are served only for what is shown; deleting a post for good removes the photos only it used."""

import io

from boxlocale import photos
from boxlocale.db import writing
from boxlocale.models import Book, ItemPhoto, Photo

from . import photo_factory
from .console_helpers import item, logged_in, post


def _stored(seed):
    done = photos.process_one(io.BytesIO(photo_factory.jpeg(640, 480, seed=seed)))
    with writing():
        [photo] = photos.store([done])
    return photo


def _item_with_photo(seed, **fields):
    photo = _stored(seed)
    with writing():
        thing = item(**fields)
        ItemPhoto.create(item=thing, photo=photo)
    return thing, photo


def test_photos_of_a_hidden_item_are_not_served_except_to_volunteers(app, client, db):
    with app.test_request_context():
        shown, shown_photo = _item_with_photo(1)
        hidden, hidden_photo = _item_with_photo(2, hidden=True)
        lonely = _stored(3)  # on nothing at all
    for url in (photos.photo_url(shown_photo), photos.thumb_url(shown_photo), photos.small_url(shown_photo)):
        answer = client.get(url)
        assert answer.status_code == 200 and answer.headers["Cache-Control"].startswith("private")
    for photo in (hidden_photo, lonely):
        for url in (photos.photo_url(photo), photos.thumb_url(photo), photos.small_url(photo)):
            assert client.get(url).status_code == 404, url
    logged_in(app, client)
    assert client.get(photos.photo_url(hidden_photo)).status_code == 200


def test_a_hidden_book_cover_is_not_served(app, client, db):
    from .books_factory import register

    with app.test_request_context():
        cover = _stored(4)
        book = register()
        Book.update(cover=cover, hidden=True).where(Book.id == book.id).execute()
    assert client.get(photos.thumb_url(cover)).status_code == 404
    Book.update(hidden=False).where(Book.id == book.id).execute()
    assert client.get(photos.thumb_url(cover)).status_code == 200


def test_deleting_for_good_removes_the_photos_only_it_used(app, client, db):
    with app.test_request_context():
        doomed, own_photo = _item_with_photo(5)
        shared = _stored(6)
        with writing():
            ItemPhoto.create(item=doomed, photo=shared)
            other = item()
            ItemPhoto.create(item=other, photo=shared)
    logged_in(app, client)
    answer = post(client, "/console/moderation/delete", {"target": f"item:{doomed.code}", "note": "spam", "confirm": "1"})
    assert answer.status_code == 302
    with app.app_context():
        assert Photo.get_or_none(Photo.sha == own_photo.sha) is None
        assert Photo.get_or_none(Photo.sha == shared.sha) is not None
        for path in (photos.display_path(own_photo.sha), photos.thumb_path(own_photo.sha),
                     photos.small_path(own_photo.sha)):
            assert not path.exists()
        assert photos.display_path(shared.sha).exists()
    assert client.get(photos.photo_url(own_photo)).status_code == 404
    assert client.get(photos.photo_url(shared)).status_code == 200
