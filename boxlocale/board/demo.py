"""Demo notices for a French village, with a few replies (see boxlocale/demo.py)."""

import secrets
from datetime import UTC, datetime, time, timedelta

from .. import clock
from ..db import writing
from ..devices import hash_key
from ..formatting import local_zone
from ..models import Device, Notice, Reply
from .rules import expiry_for

# (kind, category, title, body, place, destination, seats, contact, pseudonym, when, hours old, replies)
# ``when`` is (days from now, weekday wanted or None, hour) in the box's time zone.
NOTICES = [
    ("event", "se-nourrir", "Disco Soupe à la salle des fêtes",
     "On épluche, on coupe, on cuisine en musique les légumes invendus du marché. Apportez un couteau "
     "et un tablier, la soupe est partagée à la fin. Ouvert à tous, enfants bienvenus !",
     "Salle des fêtes", "", None, "", "Comité des fêtes", (2, 5, 17), 30,
     [("Je viens avec mes deux enfants, on apporte des économes.", "Lucie"),
      ("Je peux prêter ma grande marmite de 20 litres.", "Jean-Paul")]),
    ("carpool", "se-deplacer", "Covoiturage pour le marché de Feurs jeudi",
     "Je descends au marché de Feurs jeudi matin, retour vers 12h. Participation libre pour l'essence.",
     "Place de l'église", "Feurs, marché", 3, "Sonner au 4 rue des Tilleuls", "Monique", (1, 3, 8), 20,
     [("Une place pour moi s'il vous plaît, avec un panier.", "Gérard")]),
    ("offer", "preter", "Je prête une échelle de 4 mètres",
     "Échelle alu coulissante, en bon état. À venir chercher, à rendre dans la semaine.",
     "Hameau des Granges", "", None, "06 12 34 56 78 le soir", "Bernard", None, 48, []),
    ("request", "bricoler", "Besoin d'aide pour déménager une armoire",
     "Une armoire normande à descendre du premier étage samedi matin. Deux bras solides seraient les "
     "bienvenus, café et croissants offerts !",
     "Rue du Lavoir", "", None, "", "Lucie", None, 6,
     [("Je peux venir à 10h avec mon fils.", "Jean-Paul"),
      ("Merci beaucoup ! 10h c'est parfait.", "Lucie")]),
    ("offer", "se-nourrir", "Courgettes et tomates du jardin à donner",
     "Trop de récolte cette année : servez-vous dans le panier devant la maison.",
     "12 route de Montbrison", "", None, "", "Gérard", None, 3, []),
    ("request", "travailler", "Cherche quelqu'un pour garder mes poules une semaine",
     "Du 10 au 17 du mois prochain : nourrir et ramasser les œufs (que vous gardez !).",
     "Les Granges", "", None, "Laisser un mot à la médiathèque", "Monique", None, 30, []),
    ("info", "vie-du-village", "Repair café à la médiathèque, premier samedi du mois",
     "Petit électroménager, vélos, vêtements : les bénévoles réparent avec vous. Entrée libre.",
     "Médiathèque", "", None, "", "Bernard", None, 72, []),
]


def _device(pseudonym):
    """The demo neighbour with this pseudonym (shared with other domains' demo content)."""
    device = Device.get_or_none(Device.pseudonym == pseudonym)
    if device is None:
        device = Device.create(key_hash=hash_key(secrets.token_urlsafe(24)), pseudonym=pseudonym,
                               created_at=clock.now() - timedelta(days=40))
    return device


def _moment(days, weekday, hour):
    """The next such weekday at least ``days`` ahead, at ``hour`` in the box's zone, as naive UTC."""
    day = clock.now().replace(tzinfo=UTC).astimezone(local_zone()).date() + timedelta(days=days)
    while weekday is not None and day.weekday() != weekday:
        day += timedelta(days=1)
    local = datetime.combine(day, time(hour), tzinfo=local_zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def load():
    now = clock.now()
    with writing():
        for (kind, category, title, body, place, destination, seats, contact, pseudonym, when, hours,
             replies) in NOTICES:
            created = now - timedelta(hours=hours)
            starts = _moment(*when) if when else None
            ends = starts + timedelta(hours=3) if kind == "event" else None
            notice = Notice.create(
                kind=kind, category=category, title=title, body=body, place=place, destination=destination,
                seats=seats, contact=contact, pseudonym=pseudonym, device=_device(pseudonym),
                manage_hash=hash_key(secrets.token_urlsafe(18)), starts_at=starts, ends_at=ends,
                created_at=created, updated_at=created, expires_at=expiry_for(kind, starts, ends, created),
            )
            for number, (text, author) in enumerate(replies, start=1):
                Reply.create(notice=notice, body=text, pseudonym=author, device=_device(author),
                             created_at=min(now, created + timedelta(hours=number * 2)))
