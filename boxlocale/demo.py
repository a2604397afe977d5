"""Demo content: a plausible French village box, so a new volunteer sees what the box looks like."""

from . import settings

DEMO_SETTINGS = {
    "box_name": "Box Locale de Chavenay",
    "village": "Chavenay",
    "book_prefix": "CHV",
    "welcome_text": (
        "Bienvenue sur la Box de Chavenay ! Déposez ce qui ne vous sert plus, prenez ce qui vous manque, "
        "échangez des coups de main entre voisins. Tout reste ici, dans la box."
    ),
    "opening_hours": "Boîte en libre accès, abri de la place de l'église. Médiathèque : mer. et sam. 10h-12h.",
    "wifi_ssid": "BoxLocale-Chavenay",
}


def load_demo():
    """Load the demo once; return False when it is already there."""
    if settings.get("demo_loaded"):
        return False
    settings.save(DEMO_SETTINGS)
    for loader in _domain_loaders():
        loader()
    settings.save({"demo_loaded": True})
    return True


def _domain_loaders():
    """Each domain adds its own demo content (items with photos, books, notices)."""
    from .board.demo import load as load_board
    from .books.demo import load as load_books
    from .giveaway.demo import load as load_giveaway

    return [load_giveaway, load_books, load_board]
