"""A small harness for the browser journeys: the system's Chromium (nothing downloaded), driven by
Playwright as a phone, with every request, console message and page error watched.

Use from a test module::

    from . import browser

    chromium, phones, phone = browser.chromium, browser.phones, browser.phone  # the fixtures

    def test_something(phone):
        page = phone.open("/")
"""

import io
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image

from .conftest import ROOT, require, require_tool

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# An ordinary Android phone of a few years ago.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/120.0.0.0 Mobile Safari/537.36"),
    "locale": "fr-FR",
}
# Chromium's "Failed to load resource" line for a page that answers 4xx on purpose (404, 409, 415, ...).
EXPECTED_ERROR_STATUS = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


class Phone:
    """One phone (a browser context) talking to one box. ``problems`` collects what must not happen."""

    def __init__(self, browser, box, shots_dir, javascript=True, language="fr"):
        self.box = box
        self.shots_dir = shots_dir
        self.box_origin = urlsplit(box.url).netloc
        options = dict(PHONE, java_script_enabled=javascript,
                       locale="fr-FR" if language == "fr" else "en-GB")
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(10_000)
        self.problems = []
        self.allowed_console = []
        self.context.route("**/*", self._only_the_box)
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        return page

    def _only_the_box(self, route):
        """Anything that is not the box is refused and noted: the box has no internet to offer."""
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.netloc == self.box_origin:
            route.continue_()
        elif url.scheme in ("data", "blob"):
            route.continue_()
        else:
            self.problems.append(f"request to another host: {route.request.url}")
            route.abort()

    def _console(self, message):
        if message.type not in ("error", "warning"):
            return
        if any(pattern.search(message.text) for pattern in self.allowed_console):
            return
        self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response):
        if response.status >= 500:
            self.problems.append(f"HTTP {response.status} on {response.url}")

    def allow_error_status(self):
        """This journey meets an error page on purpose (404, 409, 415, ...): its console line is expected."""
        self.allowed_console.append(EXPECTED_ERROR_STATUS)

    def url(self, path):
        return self.box.url + path

    def open(self, path):
        """Go to a page of the box; return the page."""
        self.page.goto(self.url(path))
        return self.page

    def shot(self, name):
        """A full-page screenshot in the test's tmp dir (look at them: phone layout, contrast)."""
        path = self.shots_dir / f"{name}.png"
        self.page.wait_for_load_state("load")  # a click returns once the page arrives, maybe before its CSS
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()

    def assert_clean(self):
        assert self.problems == [], "\n".join(self.problems)


def expect(locator):
    """Playwright's assertions that retry (up to 10 s, like every wait here): right after a click the next
    page may still be arriving, so a one-shot ``is_visible()`` would fail on a busy machine."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    return playwright_expect(locator)


def fits_the_phone(page):
    """Nothing wider than the phone's screen (no sideways scrolling), once the stylesheet is in."""
    page.wait_for_load_state("load")
    return page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=require_tool("chromium"), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module."""
    require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def phones(chromium, live_box, tmp_path):
    """Factory: phones(javascript=True, language="fr") → a new Phone on the live box. Each one is
    checked at the end: no console error, no CSP violation, no request elsewhere, no server error."""
    made = []

    def make(javascript=True, language="fr"):
        phone = Phone(chromium, live_box, tmp_path, javascript, language)
        made.append(phone)
        return phone

    yield make
    try:
        for phone in made:
            phone.assert_clean()
    finally:
        for phone in made:
            phone.close()


@pytest.fixture
def phone(phones):
    return phones()


def camera_photo(path, width=1600, height=1200, colour=(180, 90, 40)):
    """A small JPEG as a phone camera would make it (EXIF orientation and a GPS position included)."""
    picture = Image.new("RGB", (width, height), colour)
    stripes = Image.effect_noise((width, height), 30).convert("RGB")
    picture = Image.blend(picture, stripes, 0.3)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (45.0, 44.0, 51.0), 3: "E", 4: (4.0, 13.0, 28.0)}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def tab_through(page, limit=80):
    """Press Tab until focus comes back round; return what got focus, in order, with whether a focus
    ring showed (an outline that is not 'none', or a box-shadow)."""
    focused = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const style = getComputedStyle(el);
            const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                         || style.boxShadow !== 'none';
            return {key: el.outerHTML.slice(0, 160), tag: el.tagName.toLowerCase(),
                    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
                    ring: ring, visible: el.getBoundingClientRect().width > 0};
        }""")
        if info is None:
            if focused:
                break
            continue
        if focused and info["key"] == focused[0]["key"]:
            break
        if focused and info["key"] == focused[-1]["key"]:
            continue  # the parts of one field (a date's day, month, year) take a Tab each
        focused.append(info)
    return focused


def focusable(page):
    """Every link, button, field and summary a keyboard user should reach on the page, in order (one
    radio button per group: the arrow keys choose within it)."""
    return page.evaluate("""() => {
        const groups = new Set();
        return Array.from(document.querySelectorAll(
                'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'))
            .filter(el => !el.disabled && el.checkVisibility({visibilityProperty: true}))
            .filter(el => {
                if (el.type !== 'radio') return true;
                if (groups.has(el.name)) return false;
                groups.add(el.name);
                return true;
            })
            .map(el => {
                if (el.type !== 'radio') return el;
                const group = Array.from(document.getElementsByName(el.name));
                return group.find(radio => radio.checked) || group[0];
            })
            .map(el => el.outerHTML.slice(0, 160));
    }""")


def on_screen(locator):
    """Inside the viewport (Playwright's is_visible() is true for a box moved off screen)."""
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["y"] >= 0


# axe-core, the accessibility checker: .ci/run packs a pinned version from the npm registry into
# .cache/axe (nothing is fetched by the tests themselves).
AXE_SCRIPT = ROOT / ".cache" / "axe" / "package" / "axe.min.js"
AXE_BAD = ("serious", "critical")


def axe_violations(page, skip=()):
    """The serious and critical axe-core violations of the page as it is now: ["rule: target", ...].
    Injected through the DevTools protocol, so the box's strict CSP (no inline script) is untouched.
    ``skip``: rule ids left out, each for a reason the caller gives."""
    require(AXE_SCRIPT.exists(), f"axe-core is not at {AXE_SCRIPT} (.ci/run fetches it with npm pack)")
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text() + "\n;undefined")
    results = page.evaluate("""async (skip) => {
        const rules = Object.fromEntries(skip.map(id => [id, {enabled: false}]));
        const found = await axe.run(document, {resultTypes: ['violations'], rules});
        return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""", list(skip))
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
            for v in results if v["impact"] in AXE_BAD]
