"""Demo content of the book shelf: classics a village médiathèque would put out, with a few journeys."""

from datetime import timedelta

from .. import clock
from ..db import writing
from ..devices import Actor, create_device
from ..models import Book, Device, JournalEntry
from . import rules

# (who registered it, book fields, journal: (who, kind, where, note, rating), days ago)
BOOKS = [
    ("Médiathèque", {"title": "Le Tour du monde en quatre-vingts jours", "author": "Jules Verne", "language": "fr",
                     "note": "Édition de poche, un peu cornée. Bon voyage !"}, [
        ("Lucie", "caught", "", "", None),
        ("Lucie", "released", "Café de la Gare, Thiverval-Grignon", "Lu dans le train, parfait pour l'été.", 5),
        ("Paul", "caught", "Café de la Gare, Thiverval-Grignon", "", None),
        ("Paul", "released", "", "Je le rapporte à la box.", None),
    ], 40),
    ("Médiathèque", {"title": "Les Misérables (tome 1)", "author": "Victor Hugo", "language": "fr",
                     "isbn": "978-2-07-040850-4"}, [
        ("Nadia", "comment", "", "Le début est long, mais quelle histoire.", 4),
    ], 30),
    ("Lucie", {"title": "Madame Bovary", "author": "Gustave Flaubert", "language": "fr",
               "isbn": "9782070360246"}, [], 21),
    ("Paul", {"title": "Contes du lundi", "author": "Alphonse Daudet", "language": "fr"}, [
        ("Nadia", "caught", "", "Pour ma mère, qui adore Daudet.", None),
    ], 14),
    ("Médiathèque", {"title": "Germinal", "author": "Émile Zola", "language": "fr",
                     "isbn": "978-2-253-00461-5"}, [], 9),
    ("Nadia", {"title": "Le Grand Meaulnes", "author": "Alain-Fournier", "language": "fr"}, [], 5),
    ("Paul", {"title": "Treasure Island", "author": "Robert Louis Stevenson", "language": "en",
              "note": "In English, easy to read: good for practising."}, [], 3),
    ("Lucie", {"title": "Vingt mille lieues sous les mers", "author": "Jules Verne", "language": "fr",
               "code": "VRS-0087-Q3", "note": "Arrivé de la boîte à livres de Versailles."}, [
        ("Lucie", "released", "", "", None),
    ], 1),
]


def load():
    """Add the demo books and their journals, spread over the last weeks."""
    phones = {}
    for owner, fields, journal, days_ago in BOOKS:
        actor = Actor(device=_phone(phones, owner), volunteer="demo")  # a volunteer's hand: no rate limit
        book, _held = rules.register(actor, dict(fields, pseudonym=owner))
        start = clock.now() - timedelta(days=days_ago)
        _age(Book, book.id, start)
        for step, (who, kind, where, note, rating) in enumerate(journal, start=1):
            entry_actor = Actor(device=_phone(phones, who), volunteer="demo")
            data = {"kind": kind, "where": where, "note": note, "rating": rating, "pseudonym": who}
            found = rules.get_book(rules.full_code(book), entry_actor)  # the label in hand
            entry, _held = rules.add_entry(found, entry_actor, data)
            _age(JournalEntry, entry.id, start + timedelta(days=step * days_ago / (len(journal) + 1)))
            if kind != "comment":
                _age(Book, book.id, start + timedelta(days=step * days_ago / (len(journal) + 1)), only_update=True)


def _phone(phones, name):
    """The demo neighbour's phone: the same one across the box's demo content (pseudonyms are unique)."""
    if name not in phones:
        phones[name] = Device.get_or_none(Device.pseudonym == name) or create_device()[0]
    return phones[name]


def _age(model, record_id, moment, only_update=False):
    with writing():
        if model is Book:
            changes = {Book.updated_at: moment} if only_update else {Book.created_at: moment, Book.updated_at: moment}
        else:
            changes = {JournalEntry.created_at: moment}
        model.update(changes).where(model.id == record_id).execute()
