"""The book-crossing shelf as JSON (API.md, Books)."""

from flask import jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from .. import photos
from ..books import rules
from ..devices import current_actor
from ..errors import ValidationError
from ..formatting import iso
from ..pagecache import BOOK_TABLES, cached_page
from ..posting import PSEUDONYM_MAX, PSEUDONYM_MIN, check_rate_before_work
from . import bp
from .common import page_number, request_data
from .openapi import document, error_response, json_response


def entry_json(entry, village=""):
    return {"id": entry.id, "kind": entry.kind, "where": entry.place, "note": entry.note,
            "rating": entry.rating, "pseudonym": entry.pseudonym, "created_at": iso(entry.created_at),
            "village": village}


def book_json(book, actor, journal=None):
    data = {
        "code": book.code, "title": book.title, "author": book.author, "language": book.language,
        "isbn": book.isbn, "note": book.note, "pseudonym": book.pseudonym, "status": book.status,
        "catches": book.catches, "created_at": iso(book.created_at),
        "cover": photos.as_json(book.cover) if book.cover_id else None,
        "mine": actor.owns(book),
        "html_url": url_for("books.book", code=book.code, _external=True),
        "label_url": url_for("books.label", code=book.code, _external=True),
    }
    if journal is not None:
        from ..network import directory

        journal = list(journal)
        villages, here = directory.book_villages(book, journal), directory.here_village()
        data["journal"] = [entry_json(entry, villages["entries"].get(entry.id) or here) for entry in journal]
        data["villages_visited"] = villages["count"]
    return data


@bp.route("/books")
@cached_page(tables=BOOK_TABLES)  # anonymous readers share it; a bearer key or manage token is a phone's own
def books():
    status = request.args.get("status", "")
    if status and status not in rules.STATUSES:
        raise ValidationError(fields={"status": _l("Must be on_shelf or travelling.")})
    found, next_page = rules.search(q=request.args.get("q", ""), language=request.args.get("language", ""),
                                    view="all", status=status, page=page_number())
    actor = current_actor()
    return jsonify({"items": [book_json(book, actor) for book in found], "next_page": next_page})


@bp.route("/books", methods=["POST"])
def register_book():
    actor = current_actor(create_device_if_missing=True)
    check_rate_before_work(actor)  # before any decoding
    processed = photos.process_uploads(request.files.getlist("photo"), max_count=1)

    def store_cover():
        return photos.store(processed)[0] if processed else None

    book, held = rules.register(actor, request_data(), store_cover=store_cover)
    data = book_json(book, actor, journal=[])
    data["full_code"] = rules.full_code(book)
    data["held_for_review"] = held
    return jsonify(data), 201


@bp.route("/books/<code>")
def book(code):
    actor = current_actor()
    found = rules.get_book(code, actor)
    return jsonify(book_json(found, actor, journal=rules.journal(found)))


@bp.route("/books/<code>/journal", methods=["POST"])
def add_journal_entry(code):
    actor = current_actor(create_device_if_missing=True)
    found = rules.get_book(code, actor)
    entry, held = rules.add_entry(found, actor, request_data())
    from ..network import directory

    data = entry_json(entry, directory.here_village())  # written here, on this box
    data["held_for_review"] = held
    data["book"] = book_json(found, actor)
    return jsonify(data), 201


# --- OpenAPI ------------------------------------------------------------------------------------

_TEXT = {"type": "string"}
_WHEN = {"type": ["string", "null"], "format": "date-time"}
SCHEMAS = {
    "JournalEntry": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(rules.ENTRY_KINDS)},
        "where": _TEXT, "note": _TEXT, "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "pseudonym": _TEXT, "created_at": _WHEN,
        "village": {"type": "string", "description": "the village of the box the entry was written on"}}},
    "Book": {"type": "object", "properties": {
        "code": {"type": "string", "description": "public code: the box's prefix and a serial, e.g. CHV-0042"},
        "full_code": {"type": "string", "description": "only in the answer to the registration: the code "
                      "with its secret check part, e.g. CHV-0042-K7, as printed on the label"},
        "title": _TEXT, "author": _TEXT, "language": _TEXT, "isbn": _TEXT, "note": _TEXT, "pseudonym": _TEXT,
        "status": {"type": "string", "enum": list(rules.STATUSES)},
        "catches": {"type": "integer"}, "created_at": _WHEN,
        "cover": {"type": ["object", "null"], "properties": {
            "url": _TEXT, "thumb_url": _TEXT, "width": {"type": "integer"}, "height": {"type": "integer"}}},
        "mine": {"type": "boolean"}, "html_url": _TEXT, "label_url": _TEXT,
        "villages_visited": {"type": "integer", "description": "with the journal: how many villages' boxes "
                             "the book has been registered or caught in"},
        "journal": {"type": "array", "items": {"$ref": "#/components/schemas/JournalEntry"},
                    "description": "oldest first, on single reads"},
        "held_for_review": {"type": "boolean", "description": "only in the answer to the registration"},
    }},
    "BookInput": {"type": "object", "required": ["title"], "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": rules.TITLE_MAX},
        "author": {"type": "string", "maxLength": rules.AUTHOR_MAX},
        "language": {"type": "string", "enum": ["", *rules.LANGUAGE_CODES]},
        "isbn": {"type": "string", "description": "ISBN-10 or -13, checksum checked; hyphens and spaces allowed"},
        "note": {"type": "string", "maxLength": rules.NOTE_MAX},
        "pseudonym": {"type": "string", "minLength": PSEUDONYM_MIN, "maxLength": PSEUDONYM_MAX},
        "code": {"type": "string", "description": "the full code of a book registered on another box "
                 "(another prefix): its journey continues here"},
        "photo": {"type": "string", "format": "binary", "description": "the cover (multipart only), 0..1"},
    }},
    "JournalInput": {"type": "object", "required": ["kind"], "properties": {
        "kind": {"type": "string", "enum": list(rules.ENTRY_KINDS)},
        "where": {"type": "string", "maxLength": rules.WHERE_MAX,
                  "description": "empty, `here` or the box's name: this box's shelf"},
        "here": {"type": "boolean", "description": "optional: true when left on (or found on) this box's "
                 "shelf; when absent, `where` decides"},
        "note": {"type": "string", "maxLength": rules.NOTE_MAX},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "pseudonym": {"type": "string", "minLength": PSEUDONYM_MIN, "maxLength": PSEUDONYM_MAX},
    }},
}
_BOOK = {"$ref": "#/components/schemas/Book"}
_CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "public or full code; case, hyphens, O/0 and I/1/L do not matter"}]
_SECURED = [{"deviceKey": []}]


def _body(schema, multipart=False):
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
               "application/x-www-form-urlencoded": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    if multipart:
        content["multipart/form-data"] = {"schema": {"$ref": f"#/components/schemas/{schema}"}}
    return {"required": True, "content": content}


document("/api/v1/books", {
    "get": {
        "summary": "Books of the shelf's records, newest first; `q` searches title and author",
        "parameters": [{"name": name, "in": "query", "schema": {"type": "string"}}
                       for name in ("q", "status", "language", "page")],
        "responses": {
            "200": json_response("One page of books", {"type": "object", "properties": {
                "items": {"type": "array", "items": _BOOK}, "next_page": {"type": ["integer", "null"]}}}),
            "400": error_response("Bad status or page number"),
        },
    },
    "post": {
        "summary": "Register a book: it gets its code (the full code is only in this answer)",
        "security": _SECURED,
        "requestBody": _body("BookInput", multipart=True),
        "responses": {
            "201": json_response("The book, with `full_code`", _BOOK),
            "400": error_response("A field is missing or wrong (ISBN checksum, code from another box)"),
            "401": error_response("No device key"),
            "409": error_response("A book with this code is already known here"),
            "413": error_response("Photo too large"),
            "415": error_response("Not a photo the box can read"),
            "429": error_response("Too many posts from this device or address"),
        },
    },
}, SCHEMAS)
document("/api/v1/books/{code}", {"get": {
    "summary": "One book with its journal (oldest first)",
    "parameters": _CODE,
    "responses": {"200": json_response("The book", _BOOK), "404": error_response("No such book")},
}})
document("/api/v1/books/{code}/journal", {"post": {
    "summary": "Write in a book's journal: `caught` and `released` need the full code in the path",
    "parameters": _CODE,
    "security": _SECURED,
    "requestBody": _body("JournalInput"),
    "responses": {
        "201": json_response("The entry (and the book as it is now, under `book`)",
                             {"$ref": "#/components/schemas/JournalEntry"}),
        "400": error_response("A field is wrong"),
        "401": error_response("No device key"),
        "403": error_response("`caught` or `released` with the public code only"),
        "404": error_response("No such book"),
        "429": error_response("Too many entries from this device or address"),
    },
}})
