"""Every public page type and state, in Chromium: axe-core finds no WCAG 2.1 A/AA violation, the Nu HTML validator
no error, nothing scrolls sideways at 320 px nor at 200 % zoom, every element the keyboard reaches shows where
the focus is (in forced colours too), and every resource the page loads is there.

The pages come from the demo (`load_demo`): an open, an upcoming and a closed process, a public meeting, a
questionnaire, the legal texts with a second version of the CGU, and the signed links a contributor receives.
Feeds, the sitemap and the API are not HTML and are not here.
"""

import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from charter.models import LegalTextKind
from communes.models import CommuneRole, CommuneSpacePage
from participation.models import Contribution, EventRegistration, ProcessPage, QuestionnairePage
from participation.services.links import confirmation_url, registration_confirmation_url
from participation.services.personal_data import rights_url
from tests.browser.conftest import (
    accessibility_violations,
    html_errors_of,
    keyboard_gaps,
    open_tab,
    path_of,
    widths,
)
from tests.conftest import commune_group

# The database is set up for this module (its tests read the data the server serves).
pytestmark = pytest.mark.django_db

LEGAL_TEXTS = [kind.value for kind in LegalTextKind]

# name: (how to find its path in the demo, the HTTP status it answers)
CATALOGUE = {
    "home": (lambda: "/", 200),
    "commune-space": (lambda: CommuneSpacePage.objects.get(commune__slug="essey-les-nancy").url, 200),
    "commune-space-without-process": (lambda: CommuneSpacePage.objects.get(commune__slug="malzeville").url, 200),
    # Dressed by its editors in the demo: a logo, a banner, its colour, beside a long name; a cover that informs.
    "commune-space-dressed": (lambda: CommuneSpacePage.objects.get(commune__slug="vandoeuvre-les-nancy").url, 200),
    "process-with-cover": (lambda: process_url("Parc du Charmois : quels usages demain ?"), 200),
    "process-open": (lambda: process_url("Imaginons ensemble nos cours d'école"), 200),
    "process-upcoming": (lambda: process_url("Budget participatif 2027"), 200),
    "process-closed": (lambda: process_url("Parc du Charmois : quels usages demain ?"), 200),
    "process-meeting": (lambda: process_url("Réunion publique : le plan de circulation du centre"), 200),
    "questionnaire": (lambda: QuestionnairePage.objects.get(title__contains="centre-ville").url, 200),
    "questionnaire-closed": (lambda: QuestionnairePage.objects.get(title__contains="parc").url, 200),
    "search-results": (lambda: "/recherche/?q=ecole", 200),
    "search-nothing": (lambda: "/recherche/?q=zyxwvut", 200),
    "search-empty": (lambda: "/recherche/?q=", 200),
    "search-bad-filter": (lambda: "/recherche/?q=ecole&commune=999999&state=nimporte", 200),
    "search-page-too-far": (lambda: "/recherche/?q=ecole&page=99", 200),
    "process-page-not-a-number": (lambda: process_url("Imaginons ensemble nos cours d'école") + "?page=abc", 200),
    **{f"legal-{kind}": (lambda kind=kind: f"/{kind}/", 200) for kind in LEGAL_TEXTS},
    **{f"legal-{kind}-history": (lambda kind=kind: f"/{kind}/versions/", 200) for kind in LEGAL_TEXTS},
    "legal-cgu-version": (lambda: "/cgu/versions/1/", 200),
    "legal-commune-privacy": (lambda: "/donnees-personnelles/commune/essey-les-nancy/", 200),
    "site-map": (lambda: "/plan-du-site/", 200),
    "not-found": (lambda: "/cette-page-n-existe-pas/", 404),
    "sign-in": (lambda: "/connexion/", 200),
    "my-data": (lambda: path_of(rights_url(Contribution.objects.order_by("pk").first().email)), 200),
    "contribution-confirm": (lambda: path_of(confirmation_url(Contribution.objects.order_by("pk").first())), 200),
    "registration-confirm": (lambda: path_of(registration_confirmation_url(a_registration())), 200),
    "invalid-link": (lambda: "/participation/mes-donnees/lien-tronque/", 400),
}

# A (page, check) named here is left out of the catalogue while its fix is under way (never a skipped test); empty.
FORM_FAILURES_LEFT_OUT = {}


def a_registration():
    """A citizen's registration for the demo's public meeting, as the form leaves it (to be confirmed)."""
    meeting = ProcessPage.objects.live().get(title="Réunion publique : le plan de circulation du centre")
    return EventRegistration.objects.create(process=meeting, name="Camille Martin", email="camille@example.org")


def process_url(title):
    return ProcessPage.objects.live().get(title=title).url


def cases(check):
    return [name for name in CATALOGUE if check not in FORM_FAILURES_LEFT_OUT.get(name, ())]


@pytest.fixture(scope="module")
def urls(demo_world, live_site):
    """Each page's absolute URL on the served site, its status checked."""
    found = {name: live_site + path_in_demo() for name, (path_in_demo, _status) in CATALOGUE.items()}
    for name, url in found.items():
        served = fetch(url)
        assert served.status == CATALOGUE[name][1], f"{name}: {url} answered {served.status}"
    return found


class Served:
    def __init__(self, status, html):
        self.status, self.html = status, html


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return Served(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Served(error.code, error.read())


@pytest.fixture(scope="module")
def html_errors(urls, java, tmp_path_factory):
    """The Nu validator's errors on every page's served HTML, one run of the validator for all of them."""
    folder = tmp_path_factory.mktemp("served-html")
    for name, url in urls.items():
        (folder / f"{name}.html").write_bytes(fetch(url).html)
    return html_errors_of(folder, java)


@pytest.fixture(scope="module")
def tabs(urls, chromium):
    """One tab per way of looking: a desktop, a 320 px phone, a 1280 px screen zoomed to 200 %."""
    return {
        "desktop": open_tab(chromium, viewport={"width": 1280, "height": 800}),
        "phone": open_tab(chromium, viewport={"width": 320, "height": 640}),
        "zoomed": open_tab(chromium, viewport={"width": 640, "height": 400}, device_scale_factor=2),
        # Windows' high-contrast themes: colours and shadows are the system's, only outlines stay.
        "forced-colours": open_tab(chromium, viewport={"width": 1280, "height": 800}, forced_colors="active"),
    }


def visit(tab, url):
    response = tab.goto(url, wait_until="load")
    assert response is not None
    return response


@pytest.mark.parametrize("name", cases("axe"))
def test_no_accessibility_violation(name, urls, tabs):
    tab = tabs["desktop"]
    visit(tab, urls[name])
    assert accessibility_violations(tab) == ""


@pytest.mark.parametrize("name", cases("resources"))
def test_every_resource_of_the_page_loads(name, urls, tabs):
    """Stylesheets, images and the icon: none answers an error (a missing favicon was a 404 on every page).

    Headless Chromium does not load icons: the page's icon and /favicon.ico are asked for as a browser would.
    """
    tab = tabs["desktop"]
    broken = []

    def record(response):
        if response.status >= 400 and response.url != urls[name]:
            broken.append(f"{response.status} {response.url}")

    tab.on("response", record)
    try:
        visit(tab, urls[name])
    finally:
        tab.remove_listener("response", record)
    icons = tab.eval_on_selector_all("link[rel~=icon]", "links => links.map((link) => link.href)")
    assert icons, f"{name} links no icon"
    for icon in [*icons, urls["home"] + "favicon.ico"]:
        response = tab.request.get(icon)
        if not response.ok:
            broken.append(f"{response.status} {icon}")
    assert broken == []


@pytest.mark.parametrize("name", cases("console"))
def test_the_console_stays_quiet(name, urls, tabs):
    """No error or warning in the browser's console: a script error, a refused resource (Content-Security-Policy),
    an unknown Permissions-Policy feature (two of them were an error on every page)."""
    tab = tabs["desktop"]
    said = []

    def record(message):
        if message.type in ("error", "warning"):
            said.append(f"{message.type}: {message.text}")

    def uncaught(error):
        said.append(f"uncaught: {error}")

    tab.on("console", record)
    tab.on("pageerror", uncaught)
    try:
        visit(tab, urls[name])
        tab.wait_for_timeout(50)
    finally:
        tab.remove_listener("console", record)
        tab.remove_listener("pageerror", uncaught)
    expected_errors = ["Failed to load resource: the server responded with a status of 4"]
    if urls[name] and CATALOGUE[name][1] >= 400:  # the page itself answers an error status, as it should
        said = [text for text in said if not any(expected in text for expected in expected_errors)]
    assert said == []


@pytest.mark.parametrize("name", cases("html"))
def test_no_html_error(name, html_errors):
    assert html_errors[name] == []


@pytest.mark.parametrize("name", cases("reflow"))
@pytest.mark.parametrize("way", ["phone", "zoomed"])
def test_no_horizontal_scroll(name, way, urls, tabs):
    tab = tabs[way]
    visit(tab, urls[name])
    found = widths(tab)
    assert found["page"] <= found["window"], f"{name} is {found['page']} px wide in a {found['window']} px window"


@pytest.mark.parametrize("name", cases("keyboard"))
@pytest.mark.parametrize("way", ["desktop", "forced-colours"])
def test_keyboard_reaches_everything_with_a_visible_focus(name, way, urls, tabs):
    tab = tabs[way]
    visit(tab, urls[name])
    hidden_focus, never_reached = keyboard_gaps(tab)
    assert hidden_focus == [], f"{name}: no visible focus on {hidden_focus}"
    assert never_reached == [], f"{name}: never reached by Tab: {never_reached}"


# --- The error pages Django renders without a URL of their own (no database: the 503 shows while it is down) -------

ERROR_PAGES = {
    "bad-request": "400.html",
    "server-error": "500.html",
    "unavailable": "503.html",
    "form-expired": "403_csrf.html",
    "form-from-elsewhere": "403_cross_origin.html",
    "forbidden": "403.html",
}


@pytest.fixture(scope="module")
def error_pages(urls):
    from django.http import HttpResponse

    from core.outage import render_error_page

    return {name: render_error_page(template, HttpResponse).content for name, template in ERROR_PAGES.items()}


def test_error_pages_have_no_html_error(error_pages, java, tmp_path_factory):
    folder = tmp_path_factory.mktemp("error-pages")
    for name, html in error_pages.items():
        (folder / f"{name}.html").write_bytes(html)

    assert html_errors_of(folder, java) == {name: [] for name in ERROR_PAGES}


@pytest.mark.parametrize("name", ERROR_PAGES)
def test_error_pages_pass_axe_and_fit_a_phone(name, error_pages, urls, tabs):
    for way in ("desktop", "phone"):
        tab = tabs[way]
        visit(tab, urls["home"])  # the site's address: the page's stylesheet and icon load as they would
        tab.set_content(error_pages[name].decode(), wait_until="load")
        found = widths(tab)
        assert found["page"] <= found["window"], f"{name} is {found['page']} px wide on {way}"
    assert accessibility_violations(tabs["desktop"]) == ""


# --- The public pages as a signed-in agent of the commune and its editor see them ---------------------------------
# A signed-in person gets the session warning; the agent the commune's internal process; the editor Wagtail's
# user bar. Their pages are checked as the citizens' are.

INTERNAL = "process-internal"  # only the commune's agents see it
SIGNED_IN = {"agent": CommuneRole.AGENTS, "editor": CommuneRole.EDITORS}
SIGNED_IN_PAGES = {
    "home": lambda: "/",
    "commune-space": lambda: CommuneSpacePage.objects.get(commune__slug="essey-les-nancy").url,
    "process-open": lambda: process_url("Imaginons ensemble nos cours d'école"),
    INTERNAL: lambda: process_url("Consultation interne : organisation du télétravail"),
    "questionnaire": lambda: QuestionnairePage.objects.get(title__contains="centre-ville").url,
    "search-results": lambda: "/recherche/?q=ecole",
    "site-map": lambda: "/plan-du-site/",
}


@pytest.fixture(scope="module")
def signed_in_pages(urls, chromium, java, tmp_path_factory):
    """Each page fetched by each signed-in person: {(who, page): {"axe", "keyboard", "phone", "html"}}."""
    folder = tmp_path_factory.mktemp("signed-in-html")
    space = CommuneSpacePage.objects.get(commune__slug="essey-les-nancy")
    base = urls["home"].rstrip("/")
    found = {}
    for who, role in SIGNED_IN.items():
        user = get_user_model().objects.create_user(f"{who}-essey", f"{who}@example.org", "a-long-test-password")
        user.groups.add(commune_group(space, role))
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        tab = open_tab(chromium, viewport={"width": 1280, "height": 800})
        tab.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
        for page, path_in_demo in SIGNED_IN_PAGES.items():
            if page == INTERNAL and who != "agent":
                continue
            response = visit(tab, base + path_in_demo())
            assert response.status == 200, f"{who}: {page} answered {response.status}"
            assert tab.locator("script[data-status-url]").count() == 1, "signed in: the session warning is there"
            (folder / f"{who}--{page}.html").write_bytes(response.body())
            checked = {"axe": accessibility_violations(tab), "keyboard": keyboard_gaps(tab)}
            tab.set_viewport_size({"width": 320, "height": 640})
            checked["phone"] = widths(tab)
            tab.set_viewport_size({"width": 1280, "height": 800})
            found[who, page] = checked
        tab.context.close()
    for name, errors in html_errors_of(folder, java).items():
        found[tuple(name.split("--"))]["html"] = errors
    return found


SIGNED_IN_CASES = [(who, page) for who in SIGNED_IN for page in SIGNED_IN_PAGES if who == "agent" or page != INTERNAL]


@pytest.mark.parametrize(("who", "page"), SIGNED_IN_CASES)
def test_signed_in_pages_pass_axe_the_validator_a_phone_and_the_keyboard(who, page, signed_in_pages):
    checked = signed_in_pages[who, page]
    assert checked["axe"] == ""
    assert checked["html"] == []
    assert checked["phone"]["page"] <= checked["phone"]["window"], f"{checked['phone']['page']} px wide at 320 px"
    assert checked["keyboard"] == ([], [])
