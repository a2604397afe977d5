"""Every table, in one place. The SQL that creates them is in migrations.py (frozen per version).

Times are naive UTC datetimes from ``clock.now()``; pages and the API convert them for display.
"""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    DeferredForeignKey,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .db import database


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()  # JSON


class Volunteer(BaseModel):
    name = CharField(unique=True)
    password_hash = CharField()
    role = CharField(default="admin")  # admin | moderator
    created_at = DateTimeField()
    last_login_at = DateTimeField(null=True)
    session_epoch = IntegerField(default=0)  # logging out moves it on: every session of this volunteer ends


class Device(BaseModel):
    """A phone (or an API client). Its key is a bearer secret: only its hash is stored."""

    key_hash = CharField(unique=True)
    pseudonym = CharField(null=True, unique=True)
    created_at = DateTimeField()
    blocked_at = DateTimeField(null=True)
    blocked_reason = TextField(null=True)
    verified_at = DateTimeField(null=True)
    verified_by = ForeignKeyField(Volunteer, null=True, on_delete="SET NULL")
    verified_how = CharField(default="")  # volunteer | vouched | letterbox: the way the badge was given
    badge_street = CharField(default="")  # letterbox badges: the street, only if the neighbour wants it shown
    recovery_hash = CharField(null=True, unique=True)  # a code written down brings the posts to another phone
    seen_at = DateTimeField(null=True)  # "since your last visit" starts here (moved only by the person)
    last_address = CharField(default="")  # of its last write: what a volunteer's block holds (devices.py)


class Audit(BaseModel):
    volunteer = ForeignKeyField(Volunteer, null=True, on_delete="SET NULL")
    volunteer_name = CharField()
    action = CharField()
    target = CharField(default="")
    detail = TextField(default="")
    created_at = DateTimeField()


class Photo(BaseModel):
    """A stored photo: ``photos/<sha>.jpg`` (display) and ``photos/<sha>.t.jpg`` (thumbnail)."""

    sha = CharField(unique=True)
    width = IntegerField()
    height = IntegerField()
    thumb_width = IntegerField()
    thumb_height = IntegerField()
    bytes = IntegerField()
    thumb_bytes = IntegerField()
    created_at = DateTimeField()


class Item(BaseModel):
    code = CharField(unique=True)
    kind = CharField(default="offer")  # offer | wanted
    title = CharField()
    description = TextField(default="")
    category = CharField(default="divers")
    condition = CharField(null=True)  # new | good | used | for_parts (offers only)
    location = CharField(default="in_box")  # API field "where": in_box | at_giver
    location_note = TextField(default="")
    contact = TextField(default="")
    pseudonym = CharField(default="")
    status = CharField(default="available")
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="items")
    manage_hash = CharField()
    on_behalf = BooleanField(default=False)
    hidden = BooleanField(default=False)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    expires_at = DateTimeField()
    reserved_until = DateTimeField(null=True)
    reserved_by = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="+")
    taken_at = DateTimeField(null=True)
    taken_by = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="+")
    would_have_bought = BooleanField(null=True)
    inventory = DeferredForeignKey("Inventory", null=True, on_delete="SET NULL")  # closed as not found
    reserve_message = TextField(default="")  # the reserver to the giver: "I'll come by at 6"


class ItemPhoto(BaseModel):
    item = ForeignKeyField(Item, on_delete="CASCADE", backref="item_photos")
    photo = ForeignKeyField(Photo)
    position = IntegerField(default=0)


class Book(BaseModel):
    code = CharField(unique=True)  # public code, e.g. CHV-0042
    check_part = CharField()  # the secret part of the full code, e.g. K7
    title = CharField()
    author = CharField(default="")
    language = CharField(default="")
    isbn = CharField(default="")
    note = TextField(default="")
    pseudonym = CharField(default="")
    status = CharField(default="on_shelf")  # on_shelf | travelling
    catches = IntegerField(default=0)
    cover = ForeignKeyField(Photo, null=True)
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="books")
    hidden = BooleanField(default=False)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    # Not a column: books.rules.get_book sets it when the code typed carried the secret check part.
    found_by_full_code = False


class JournalEntry(BaseModel):
    book = ForeignKeyField(Book, on_delete="CASCADE", backref="journal")
    kind = CharField()  # caught | released | comment
    place = TextField(default="")  # API field "where"
    note = TextField(default="")
    rating = IntegerField(null=True)
    pseudonym = CharField(default="")
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    hidden = BooleanField(default=False)
    created_at = DateTimeField()


class Notice(BaseModel):
    kind = CharField()  # offer | request | event | carpool | info
    category = CharField(default="")
    title = CharField()
    body = TextField(default="")
    starts_at = DateTimeField(null=True)
    ends_at = DateTimeField(null=True)
    place = TextField(default="")  # carpools: from
    destination = TextField(default="")  # carpools: to
    seats = IntegerField(null=True)
    contact = TextField(default="")
    pseudonym = CharField(default="")
    status = CharField(default="open")  # open | closed | expired
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="notices")
    manage_hash = CharField(default="")
    on_behalf = BooleanField(default=False)
    hidden = BooleanField(default=False)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    expires_at = DateTimeField()
    closed_at = DateTimeField(null=True)


class Reply(BaseModel):
    notice = ForeignKeyField(Notice, on_delete="CASCADE", backref="replies")
    body = TextField()
    pseudonym = CharField(default="")
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    hidden = BooleanField(default=False)
    created_at = DateTimeField()
    seat_request = BooleanField(default=False)  # a carpool passenger asking for a seat
    accepted_at = DateTimeField(null=True)  # the driver took them: one seat fewer


class ItemReply(BaseModel):
    """A public answer under a give-box item ("I have one" on a wanted post, a question on an offer)."""

    item = ForeignKeyField(Item, on_delete="CASCADE", backref="replies")
    body = TextField()
    pseudonym = CharField(default="")
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    hidden = BooleanField(default=False)
    created_at = DateTimeField()


class Flag(BaseModel):
    """A report. ``target`` is ``item:CODE``, ``book:CODE``, ``journal:ID``, ``notice:ID`` or ``reply:ID``."""

    target = CharField()
    reason = TextField(default="")
    weight = IntegerField(default=1)  # a verified neighbour's report counts double
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    address = CharField(null=True)  # the reporter's address: reports weigh once per address
    created_at = DateTimeField()
    resolved_at = DateTimeField(null=True)
    resolution = CharField(null=True)  # hidden | restored | deleted


class Thanks(BaseModel):
    target = CharField()  # item:CODE | notice:ID
    device = ForeignKeyField(Device, on_delete="CASCADE")
    to_device = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="+")
    to_pseudonym = CharField(default="")
    address = CharField(null=True)  # one thanks per target and address
    created_at = DateTimeField()
    met_someone_new = BooleanField(null=True)  # the one-tap questions after a thanks
    would_have_bought = BooleanField(null=True)


class TimeEntry(BaseModel):
    """Hours of help given, from one neighbour to another, in the time bank; counts once confirmed."""

    notice = ForeignKeyField(Notice, null=True, on_delete="SET NULL", backref="time_entries")
    giver = ForeignKeyField(Device, on_delete="CASCADE", backref="+")
    receiver = ForeignKeyField(Device, on_delete="CASCADE", backref="+")
    recorded_by = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="+")
    minutes = IntegerField()
    note = TextField(default="")
    status = CharField(default="pending")  # pending | confirmed | cancelled
    code_hash = CharField(default="")  # the short confirmation code the recording phone shows
    created_at = DateTimeField()
    confirmed_at = DateTimeField(null=True)
    cancelled_at = DateTimeField(null=True)


class Draw(BaseModel):
    """A fair draw for an item: phones say they are interested until ``ends_at``, then one is drawn."""

    item = ForeignKeyField(Item, unique=True, on_delete="CASCADE", backref="+")
    ends_at = DateTimeField()
    seed = CharField(default="")
    drawn_at = DateTimeField(null=True)
    position = IntegerField(default=0)  # the rank (0-based) the item is offered to now
    finished_at = DateTimeField(null=True)
    created_at = DateTimeField()


class DrawEntry(BaseModel):
    draw = ForeignKeyField(Draw, on_delete="CASCADE", backref="entries")
    device = ForeignKeyField(Device, null=True, on_delete="CASCADE", backref="+")
    word = CharField()
    rank = IntegerField(null=True)  # the order the draw gave (0 wins)
    created_at = DateTimeField()


class Inventory(BaseModel):
    """One weekly walk to the physical box: what was seen, what had gone, what was added."""

    volunteer = ForeignKeyField(Volunteer, null=True, on_delete="SET NULL")
    volunteer_name = CharField()
    photo = ForeignKeyField(Photo, null=True)
    seen = IntegerField(default=0)
    gone = IntegerField(default=0)
    added = IntegerField(default=0)
    created_at = DateTimeField()


class Vouch(BaseModel):
    voucher = ForeignKeyField(Device, on_delete="CASCADE", backref="+")
    vouchee = ForeignKeyField(Device, on_delete="CASCADE", backref="+")
    created_at = DateTimeField()
    withdrawn_at = DateTimeField(null=True)


class LetterboxCode(BaseModel):
    """A one-time code a volunteer put in a letterbox. No address is kept, only the street if wanted."""

    code_hash = CharField(unique=True)
    street = CharField(default="")
    volunteer = ForeignKeyField(Volunteer, null=True, on_delete="SET NULL")
    created_at = DateTimeField()
    used_at = DateTimeField(null=True)
    used_by = ForeignKeyField(Device, null=True, on_delete="SET NULL", backref="+")


class NetEvent(BaseModel):
    """One signed event of a box's log (docs/NETWORK.md). ``payload`` is None once its content was
    deleted; ``state``: applied | aside (no admitted box vouched for its box) | future (claims a time
    too far ahead) | unknown (a kind this version does not know: kept and passed on) | pending
    (waits for what it refers to) | fork | refused."""

    id = CharField(primary_key=True)
    box = CharField()
    seq = IntegerField()
    hlc = IntegerField()
    kind = CharField()
    header = TextField()
    signature = CharField()
    payload = TextField(null=True)
    target = CharField(default="")
    state = CharField()
    received_at = DateTimeField()


class NetBox(BaseModel):
    """A box of the network, as this box knows it: the directory."""

    key = CharField(primary_key=True)
    name = CharField(default="")
    village = CharField(default="")
    prefix = CharField(default="")
    opening_hours = TextField(default="")
    info_hlc = IntegerField(default=0)
    admitted = BooleanField(default=False)
    admitted_by = CharField(null=True)
    is_root = BooleanField(default=False)  # this box, or a box whose admission of this box we accepted
    successor = CharField(null=True)
    forked_at_seq = IntegerField(null=True)
    blocked = BooleanField(default=False)  # blocked network-wide by a volunteer: its content is hidden
    last_news = DateTimeField(null=True)  # when this box's latest news arrived here (this box's clock)
    news_written_hlc = IntegerField(default=0)  # the signed time of that box's latest event
    last_contact = DateTimeField(null=True)


class NetOrigin(BaseModel):
    """A local row that belongs to the network: its network id and the box it was written on."""

    target = CharField(primary_key=True)  # book:CODE | journal:ID | notice:ID
    net_id = CharField(unique=True)
    box = CharField()


class NetTombstone(BaseModel):
    net_id = CharField(primary_key=True)
    event_id = CharField()


class NetSegment(BaseModel):
    """A folder's file this box has read whole: its name (``<box>/<first>-<last>-<hash>.jsonl``) says
    what it holds, and files are immutable, so a sync does not read it again."""

    name = CharField(primary_key=True)


class NetSync(BaseModel):
    at = DateTimeField()
    via = CharField()  # folder | http
    peer = CharField(default="")
    came = IntegerField(default=0)
    went = IntegerField(default=0)
    sent_seq = IntegerField(default=0)
    problems = TextField(default="")


class LoginFailure(BaseModel):
    """Failed console logins in a row for one key (a name from an address, or an address)."""

    key = CharField(primary_key=True)
    failures = IntegerField()
    last_failure_at = DateTimeField()


class AddressHold(BaseModel):
    """An address where a blocked phone wrote: phones new since ``held_since`` cannot post from it."""

    address = CharField(primary_key=True)
    held_since = DateTimeField()
    held_until = DateTimeField()


ALL_MODELS = [
    Setting, Volunteer, Device, Audit, Photo, Item, ItemPhoto, Book, JournalEntry, Notice, Reply,
    ItemReply, Flag, Thanks, NetEvent, NetBox, NetOrigin, NetTombstone, NetSegment, NetSync, TimeEntry, Draw,
    DrawEntry, Inventory, Vouch, LetterboxCode, LoginFailure, AddressHold,
]
