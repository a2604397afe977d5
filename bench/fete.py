"""The fête: many phones with cookies on a plausible click path, as a village fête really loads the box.

Each phone first does what real phones do before the measured run: opens an item page (its session
now holds a form token), and one in three posts a notice (it now carries its device key). The measured
run (wrk) replays every phone's clicks interleaved (home, listings and filters, item, book and notice
pages, the offer form) with its own cookies, and one post in every POST_EVERY views (a fête sees about
2 posts a minute for some 300 views). wrk keeps each phone's cookies as they were: a flash after a post
is not seen, which makes the fête slightly kinder to the box than real phones.

What the box did with each view comes from its request log (one line per request: rendered by Flask or
shared, and its CPU time), so the share served shared and the CPU per view by kind are the box's own.
"""

import http.client
import random
import re
import urllib.parse

from seed import short_code

POST_EVERY = 300
CLICKS_PER_PHONE = 14
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
LOG_RE = re.compile(r"(GET|POST|HEAD) (\S+) (\d{3}) ([\d.]+)ms cpu ([\d.]+)ms (\w+)")
KINDS = ("home", "listing", "item", "book", "notice", "form", "post", "other")


def kind_of(method, path):
    if method == "POST":
        return "post"
    if path == "/":
        return "home"
    if path in ("/give/", "/books/", "/board/"):
        return "listing"
    if path in ("/give/offer", "/give/wanted", "/board/new", "/books/new"):
        return "form"
    if re.fullmatch(r"/give/[0-9A-Z]{5}", path):
        return "item"
    if path.startswith("/books/") or path.startswith("/b/"):
        return "book"
    if re.fullmatch(r"/board/\d+", path):
        return "notice"
    return "other"


def _request(port, method, path, cookies, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept-Language": "fr", "Accept-Encoding": "identity"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    html = response.read().decode(errors="replace")
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            cookie_name, _, rest = value.partition("=")
            cookies[cookie_name] = rest.partition(";")[0]
    connection.close()
    return response.status, html


def notice_form(token, n, pseudonym):
    return urllib.parse.urlencode({"csrf_token": token, "kind": "offer", "category": "vie-du-village", "title": f"Coup de main de la fête {n}",
                                   "body": "Je peux aider à ranger les tables.", "pseudonym": pseudonym})


def make_phones(port, count, cfg, rng):
    """Each phone's cookies and form token, after what a phone does first (some post)."""
    phones = []
    for n in range(count):
        cookies, pseudonym = {}, f"Fête {rng.randrange(10**9)}"  # a pseudonym is one phone's
        status, html = _request(port, "GET", f"/give/{short_code(rng.randrange(cfg['items']))}", cookies)
        token = TOKEN_RE.search(html).group(1)
        if n % 3 == 0:
            status, _ = _request(port, "POST", "/board/new", cookies, notice_form(token, n, pseudonym))
            if status not in (200, 201, 303):
                raise RuntimeError(f"a fête phone could not post: HTTP {status}: {_[:3000]}")
        if n % 4 == 0:
            cookies["lang"] = "en"
        phones.append({"cookies": cookies, "token": token, "pseudonym": pseudonym})
    return phones


def click_path(rng, cfg):
    """One phone's views: what a villager opens at a fête (mostly the newest things, some search)."""
    categories = ["enfants", "maison", "vetements", "jardin"]
    newest_items, newest_books, newest_notices = min(cfg["items"], 40), min(cfg["books"], 30), min(cfg["notices"], 30)

    def an_item():
        return f"/give/{short_code(rng.randrange(newest_items) if rng.random() < 0.8 else rng.randrange(cfg['items']))}"

    def a_book():
        return f"/books/BOX-{1 + (rng.randrange(newest_books) if rng.random() < 0.8 else rng.randrange(cfg['books'])):04d}"

    def a_notice():
        newest = rng.randrange(newest_notices) if rng.random() < 0.8 else rng.randrange(cfg["notices"])
        return f"/board/{cfg['notices'] - newest}"

    choices = [
        (12, lambda: "/"), (14, lambda: "/give/"), (18, an_item), (5, lambda: f"/give/?category={rng.choice(categories)}"),
        (2, lambda: "/give/?q=velo"), (8, lambda: "/books/"), (10, a_book), (8, lambda: "/board/"), (12, a_notice),
        (2, lambda: "/board/?kind=event"), (3, lambda: "/give/offer"), (2, lambda: "/give/?page=2"),
    ]
    weights = [weight for weight, _ in choices]
    return [rng.choices(choices, weights)[0][1]() for _ in range(CLICKS_PER_PHONE)]


def fete_requests(phones, cfg, rng):
    """All phones' clicks interleaved, one post in every POST_EVERY views; (method, path, headers, body)."""
    paths = [click_path(rng, cfg) for _ in phones]
    # wrk replays the list over and over without keeping cookies: posts are by phones that already have
    # their device key, so a replayed post is the same phone posting again under its own pseudonym.
    posters = [phone for phone in phones if "bl_device" in phone["cookies"]]
    requests = []
    for step in range(CLICKS_PER_PHONE):
        for phone, path in zip(phones, paths, strict=True):
            requests.append(("GET", path[step], {"Cookie": _cookie(phone), "Accept-Encoding": "gzip"}, None))
            if len(requests) % POST_EVERY == 0 and posters:
                poster = posters[len(requests) // POST_EVERY % len(posters)]
                requests.append(("POST", "/board/new", {"Cookie": _cookie(poster), "Content-Type":
                                 "application/x-www-form-urlencoded"},
                                 notice_form(poster["token"], len(requests), poster["pseudonym"])))
    return requests


def _cookie(phone):
    return "; ".join(f"{name}={value}" for name, value in phone["cookies"].items())


def read_log(lines):
    """The box's request log lines → [(kind, how, cpu ms, elapsed ms)]."""
    views = []
    for line in lines:
        match = LOG_RE.search(line)
        if match:
            method, path, _status, elapsed, cpu, how = match.groups()
            if path == "/healthz":  # the bench's own view, made to have the box write its held lines
                continue
            views.append((kind_of(method, path), how, float(cpu), float(elapsed)))
    return views


def build(port, cfg, seed=14):
    rng = random.Random(seed)
    phones = make_phones(port, cfg["fete_phones"], cfg, rng)
    return phones, fete_requests(phones, cfg, rng)
