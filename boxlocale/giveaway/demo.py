"""Demo content of the give-box: a few things a French village would leave in its box, with photos
drawn by Pillow at demo time (so the repository carries no binary file)."""

import io
from datetime import timedelta

from .. import clock
from ..db import writing
from ..devices import Actor, create_device
from ..models import Item
from . import rules

ITEMS = [
    ("Martine", "bike", {
        "title": "Vélo enfant 16 pouces", "category": "enfants", "condition": "good", "where": "in_box",
        "description": "Vélo rouge avec petites roues, pour 4-6 ans. Les freins marchent, pneus regonflés.",
    }),
    ("Martine", "teapot", {
        "title": "Théière en faïence bleue", "category": "maison", "condition": "good", "where": "in_box",
        "description": "Grande théière (6 tasses), un petit éclat sur le couvercle, sinon parfaite.",
    }),
    ("Jean-Luc", "chair", {
        "title": "Deux chaises en bois", "category": "meubles", "condition": "used", "where": "at_giver",
        "location_note": "Rue des Vignes, le samedi matin.",
        "description": "Chaises de cuisine solides, à revernir si on veut. Trop grandes pour la boîte.",
    }),
    ("Jean-Luc", "books", {
        "title": "Lot de romans policiers", "category": "livres", "condition": "good", "where": "in_box",
        "description": "Une dizaine de poches : Simenon, Fred Vargas, Agatha Christie.",
    }),
    ("Sophie", "coat", {
        "title": "Manteau d'hiver taille 10 ans", "category": "vetements", "condition": "good", "where": "in_box",
        "description": "Doudoune verte, chaude, lavée. Fermeture éclair neuve.",
    }),
    ("Sophie", None, {
        "kind": "wanted", "title": "Une poussette", "category": "enfants",
        "description": "Pour ma petite-fille qui vient cet été. Même ancienne, du moment qu'elle roule !",
    }),
]


def load():
    """Add the demo items (with their photos) to the give-box."""
    phones = {}
    for age, (name, drawing, fields) in enumerate(ITEMS):
        if name not in phones:
            phones[name], _key = create_device()
        # A volunteer's hand loads the demo: no rate limit, and the neighbour's pseudonym is kept.
        actor = Actor(device=phones[name], volunteer="demo")
        processed = [_photo(drawing)] if drawing else []
        item, _token = rules.post_item(actor, dict(fields, pseudonym=name), processed)
        with writing():  # spread over the last days, so the listing looks lived in
            Item.update(created_at=item.created_at - timedelta(hours=7 * (len(ITEMS) - age)),
                        updated_at=clock.now()).where(Item.id == item.id).execute()


def _photo(drawing):
    from .. import photos

    return photos.process_one(io.BytesIO(_draw(drawing)))


def _draw(drawing):
    """A simple picture of the object on a table, as JPEG bytes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), (236, 230, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 430, 800, 600), fill=(160, 120, 80))  # the table
    DRAWINGS[drawing](draw)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _bike(draw):
    for x in (230, 570):
        draw.ellipse((x - 110, 300, x + 110, 520), outline=(30, 30, 30), width=14)
        draw.ellipse((x - 12, 398, x + 12, 422), fill=(90, 90, 90))
    draw.line((230, 410, 380, 260, 570, 410, 400, 410, 230, 410), fill=(200, 30, 40), width=16)
    draw.line((380, 260, 360, 220), fill=(40, 40, 40), width=12)
    draw.rectangle((320, 205, 400, 225), fill=(40, 40, 40))
    draw.line((540, 330, 520, 230, 470, 230), fill=(120, 120, 120), width=10)


def _teapot(draw):
    draw.ellipse((250, 230, 550, 460), fill=(40, 80, 170))
    draw.polygon(((540, 330), (660, 260), (670, 280), (560, 380)), fill=(40, 80, 170))
    draw.arc((170, 270, 290, 400), 90, 270, fill=(40, 80, 170), width=18)
    draw.ellipse((340, 200, 460, 250), fill=(60, 100, 190))
    draw.ellipse((385, 180, 415, 210), fill=(60, 100, 190))
    draw.ellipse((300, 300, 380, 350), outline=(240, 240, 240), width=5)


def _chair(draw):
    for x in (180, 480):
        draw.rectangle((x, 120, x + 30, 560), fill=(120, 70, 30))
        draw.rectangle((x + 160, 320, x + 190, 560), fill=(120, 70, 30))
        draw.rectangle((x, 300, x + 200, 340), fill=(150, 95, 45))
        for y in (160, 210):
            draw.rectangle((x, y, x + 30, y + 20), fill=(150, 95, 45))


def _books(draw):
    colours = [(150, 30, 30), (30, 90, 60), (200, 160, 40), (40, 60, 120), (110, 40, 110), (20, 20, 20)]
    y = 430
    for number, colour in enumerate(colours):
        height = 32 + (number % 3) * 6
        draw.rectangle((260 + number * 7, y - height, 540 - number * 5, y), fill=colour)
        draw.line((270 + number * 7, y - height // 2, 330 + number * 7, y - height // 2), fill=(240, 230, 200), width=3)
        y -= height + 2


def _coat(draw):
    green = (40, 120, 70)
    draw.polygon(((300, 130), (500, 130), (600, 240), (560, 280), (520, 240), (520, 500), (280, 500), (280, 240),
                  (240, 280), (200, 240)), fill=green)
    draw.line((400, 140, 400, 500), fill=(220, 220, 220), width=6)
    for y in range(190, 500, 60):
        draw.line((285, y, 515, y), fill=(30, 100, 55), width=4)
    draw.ellipse((360, 100, 440, 150), fill=(30, 100, 55))


DRAWINGS = {"bike": _bike, "teapot": _teapot, "chair": _chair, "books": _books, "coat": _coat}
