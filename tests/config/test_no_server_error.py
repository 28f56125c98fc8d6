"""No 500 on any input: hostile text in every public GET parameter and form field, on PostgreSQL.

What is tried is found, not listed, in the demo (every page type, contributions, a questionnaire, a meeting):
- addresses: every live page a visitor may open, and every URL pattern of the resolver outside the admin, filled
  in from the demo (the signed links of a contributor included); a pattern nothing here can fill in fails the test;
- GET parameters: those the forms of these pages send (method get) and their links carry, those the project's
  views read (`request.GET` in its source), those of third-party views that no page shows (`THIRD_PARTY_GET`),
  and the API's: its operations and the filterable fields of every page type;
- form fields: every <form method="post"> of these pages, with its inputs, selects and textareas.
Hypothesis fills them with hostile text (any Unicode, NUL, lone surrogates sent as their UTF-8 bytes, quotes,
SQL and tsquery operators, huge and negative numbers, odd dates, very long strings). Every answer must be below
500, and what was stored before a form was posted must be unchanged. Examples are derived from a fixed seed.
"""

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Page, get_page_models

from charter.models import LegalTextKind
from communes.models import CommuneSpacePage
from participation.demo import add_questionnaire
from participation.models import ContributionStatus, EventRegistration, ProcessFollow, ProcessPage
from participation.services.follows import FOLLOW_ACTION, unsubscribe_token
from participation.services.links import (
    APPEAL_SALT,
    COMMENT_APPEAL_SALT,
    CONFIRM_SALT,
    REGISTRATION_CANCEL_SALT,
    REGISTRATION_CONFIRM_SALT,
)
from participation.services.participants import action_url
from participation.services.personal_data import rights_url
from search.api import PublicPagesAPIViewSet
from tests.config.matrix_urls import routes
from tests.conftest import indexed_as_in_production
from tests.participation.conftest import add_comment, add_contribution

# Each test in a savepoint of the module's transaction (tests/conftest.py), which holds the world.
pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]
APPS = ("config", "home", "search", "participation", "charter", "communes", "core")

# Parameters read by views of Django or Wagtail that no page of the site links to.
THIRD_PARTY_GET = {"sitemap": ["p"], "connexion": ["next"], "wagtailcore_login": ["next"]}

EXAMPLES_PER_PARAMETER = 20
EXAMPLES_PER_ADDRESS = 8  # for the names a view may read, all tried together
EXAMPLES_PER_FORM = 25
hostile_settings = settings(
    max_examples=EXAMPLES_PER_PARAMETER,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_PIECES = [
    '"',
    "'",
    "''",
    "\\",
    "\x00",
    "%",
    "%00",
    "&",
    "|",
    "!",
    "(",
    ")",
    ":",
    ":*",
    "*",
    "<->",
    "<",
    ">",
    "-",
    "--",
    ";",
    "/*",
    "*/",
    "' OR '1'='1",
    '" OR ""="',
    "; DROP TABLE x;",
    "{{ x }}",
    "{% x %}",
    "<script>",
    "&amp;",
    "\ud800",
    "\udfff",
    "\ufffd",
    "\u202e",
    "\ufeff",
    "\u00a0",
    "\n",
    "\r\n",
    "\t",
    " ",
    "root",
    "_",
    ",",
    "*,_",
    "-id",
    "?",
    "random",
    "9" * 25,
    "-" + "9" * 25,
    "-1",
    "0",
    "1e309",
    "NaN",
    "inf",
    "0x10",
    "١٢",
    "9223372036854775807",
    "9223372036854775808",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31T23:59:59-23:00",
    "2024-01-01T00:00:00+99:00",
    "true",
    "null",
    "..",
    "../",
    "é",
    "😀",
    "\U0010ffff",
]
any_character = st.characters(codec=None, exclude_categories=())  # surrogates and controls included
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_PIECES),
    st.text(any_character, max_size=12),
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(any_character, max_size=4)), max_size=6).map("".join),
    st.integers().map(str),
    st.tuples(st.sampled_from(HOSTILE_PIECES + ["a", "é"]), st.integers(1000, 3000)).map(
        lambda pair: pair[0] * pair[1]
    ),
)


def encode(pairs):
    """A query string or form body as a browser (or a client that means harm) would send it: lone surrogates as
    their UTF-8 bytes, which no decoder accepts."""
    return "&".join(
        f"{quote(name, safe='', errors='surrogatepass')}={quote(value, safe='', errors='surrogatepass')}"
        for name, value in pairs
    )


# --- Reading pages: forms and links ---------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)  # (name, a value the page offers, "" if none)


class FormsAndLinks(HTMLParser):
    def __init__(self, url):
        super().__init__()
        self.url = url
        self.forms = []
        self.links = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = Form(attrs.get("action") or self.url, (attrs.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif self._form is not None and attrs.get("name"):
            if tag == "input":
                kind = attrs.get("type", "text")
                offered = attrs.get("value") or {"email": "camille@example.org", "checkbox": "on"}.get(kind, "")
                self._form.fields.append((attrs["name"], offered))
            elif tag == "textarea":
                self._form.fields.append((attrs["name"], ""))
            elif tag == "select":
                self._select = (attrs["name"], [])
                self._form.fields.append(self._select)
            elif tag == "button":
                self._form.fields.append((attrs["name"], attrs.get("value", "")))
        if tag == "option" and self._select is not None and attrs.get("value"):
            self._select[1].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _plausible(offered):
    if isinstance(offered, list):
        return offered[0] if offered else ""
    return offered or "participation"


def _local_path(url, base):
    parts = urlsplit(urljoin(base, url))
    if parts.netloc not in ("", "testserver", "127.0.0.1:8000", "localhost:8000") or not parts.path.startswith("/"):
        return None
    return parts.path


# --- The world and what it offers -----------------------------------------------------------------


@dataclass
class Inputs:
    urls: dict = field(default_factory=dict)  # path → what serves it ("route name" or page type)
    # Names an address declares (its GET forms and links, the API's operations and fields): each one tried alone.
    get: dict = field(default_factory=dict)  # address → {parameter names}
    # Names the project's views read, and one nobody reads: tried together on one address per view.
    maybe_read: dict = field(default_factory=dict)  # address → {parameter names}
    get_base: dict = field(default_factory=dict)  # path → fixed parameters sent along (the API's type)
    forms: dict = field(default_factory=dict)  # (action path, field names) → Form
    form_kinds: dict = field(default_factory=dict)  # (field names, view) → (action path, Form), one of each kind
    code_reads: set = field(default_factory=set)
    unfilled_routes: list = field(default_factory=list)


def names_read_by_the_code():
    """GET parameters the project's own public views read, found in its source."""
    pattern = re.compile(r"""request\.GET(?:\.get\(|\[|\.getlist\()\s*["'](\w+)["']|["'](\w+)["'] in request\.GET""")
    names = set()
    for app in APPS:
        for source in (PROJECT_DIR / app).rglob("*.py"):
            if "admin" in source.relative_to(PROJECT_DIR).parts or source.name == "wagtail_hooks.py":
                continue  # the admin's views are not public
            for match in pattern.finditer(source.read_text()):
                names.add(match.group(1) or match.group(2))
    return names


def _route_values(route, world):
    """Arguments for a public URL pattern, from the demo; None when nothing here knows what it names."""
    by_name = {
        "participation:confirm": {"token": world["confirm_token"]},
        "participation:appeal": {"token": world["appeal_token"]},
        "participation:appeal_comment": {"token": world["comment_appeal_token"]},
        "participation:my_data": {"token": world["rights_token"]},
        "participation:confirm_action": {"token": world["action_token"]},
        "participation:my_data_download": {"token": world["rights_token"]},
        "participation:confirm_registration": {"token": world["registration_confirm_token"]},
        "participation:cancel_registration": {"token": world["registration_cancel_token"]},
        "participation:unsubscribe": {"token": world["unsubscribe_token"]},
        "wagtailapi:pages:detail": {"pk": world["process"].pk},
        "feeds:commune_rss": {"slug": world["space"].slug},
        "feeds:commune_atom": {"slug": world["space"].slug},
        "charter:privacy_for_commune": {"slug": world["space"].slug},
        "charter:current": {"kind": LegalTextKind.TERMS},
        "charter:history": {"kind": LegalTextKind.TERMS},
        "charter:version": {"kind": LegalTextKind.TERMS, "number": 1},
        "wagtaildocs_authenticate_with_password": {"restriction_id": 1},
        "wagtailcore_authenticate_with_password": {"page_view_restriction_id": 1, "page_id": world["process"].pk},
    }
    if route.name in by_name:
        return reverse(route.name, kwargs=by_name[route.name])
    if not route.params:
        return reverse(route.name) if route.name else None
    if route.name == "wagtaildocs_serve":
        return "/documents/1/document.pdf"
    if route.pattern.startswith("^media/"):
        return "/media/original_images/image.png"
    if route.name == "wagtail_serve":
        return "/"
    return None


def find_inputs(world):
    inputs = Inputs(code_reads=names_read_by_the_code())
    client = Client()
    for route in routes():
        if route.pattern.startswith("admin/"):
            continue
        url = _route_values(route, world)
        if url is None:
            inputs.unfilled_routes.append(route)
        else:
            inputs.urls.setdefault(url, route.name)
    for page in Page.objects.live().filter(depth__gt=1).specific():
        inputs.urls.setdefault(page.url, type(page).__name__)
    # Their forms and links; GET forms are also sent once, as a visitor would, and their answer read (the links
    # between kinds of search results).
    link_params = {}
    to_read, read = list(inputs.urls), set()
    while to_read:
        url = to_read.pop(0)
        read.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = FormsAndLinks(url)
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = _local_path(form.action, url)
            names = tuple(name for name, _ in form.fields)
            if form.method == "get":
                inputs.get.setdefault(action, set()).update(names)
                sent = action + "?" + encode([(name, _plausible(offered)) for name, offered in form.fields])
                if sent not in read and sent not in to_read:
                    to_read.append(sent)
            else:
                inputs.forms.setdefault((action, names), form)
        for link in parser.links:
            path = _local_path(link, url)
            if path is not None and not path.startswith(("/admin/", "/media/", "/documents/")):
                link_params.setdefault(path, set()).update(name for name, _ in parse_qsl(urlsplit(link).query))
    for path, names in link_params.items():
        if names:
            inputs.get.setdefault(path, set()).update(names)
    # One address per view and per page type gets every name the code reads, and one nobody reads.
    seen_views = set()
    for url, served_by in inputs.urls.items():
        inputs.get.setdefault(url, set()).update(THIRD_PARTY_GET.get(served_by, ()))
        if served_by not in seen_views:
            seen_views.add(served_by)
            inputs.maybe_read[url] = {*inputs.code_reads, "x"}
    inputs.get = {address: names for address, names in inputs.get.items() if names}
    # One form of each kind: a view's, or a page's by its fields (the report forms of every contribution are one);
    # the confirmations of a contribution and of a registration, both a bare button, are two.
    for (action, names), form in inputs.forms.items():
        view = resolve(action).view_name
        inputs.form_kinds.setdefault((names, "" if view == "wagtail_serve" else view), (action, form))
    _add_api_parameters(inputs, world)
    return inputs


def _add_api_parameters(inputs, world):
    """The API's operations, and the fields each page type may be filtered on (`?type=…&field=…`)."""
    viewset = PublicPagesAPIViewSet
    listing = reverse("wagtailapi:pages:listing")
    operations = set(viewset.known_query_parameters) | {"search_operator"}
    page_fields = set(viewset.get_available_fields(Page, db_fields_only=True))
    inputs.get[listing] = operations | page_fields
    for model in get_page_models():
        own_fields = set(viewset.get_available_fields(model, db_fields_only=True)) - page_fields
        if model is Page or not own_fields:
            continue
        typed = f"{listing}?type={model._meta.app_label}.{model.__name__}"
        inputs.get[typed] = own_fields | {"fields", "order"}
        inputs.get_base[typed] = [("type", f"{model._meta.app_label}.{model.__name__}")]
    inputs.get[reverse("wagtailapi:pages:detail", args=[world["process"].pk])] = {"fields", "rich_text_format", "x"}
    inputs.get[reverse("wagtailapi:pages:find")] = set(viewset.find_query_parameters) | {"html_path", "fields"}


# --- Stored rows: what a request must not change --------------------------------------------------

# What visitors and staff wrote, by table; rows of the contributor whose signed links are tried may change
# (withdrawn, erased: what those links are for), so may their meeting registration (confirmed, cancelled), and a
# report may hide a contribution (its status).
STORED = {
    "wagtailcore_page": "id, path, title, slug, content_type_id, live",
    "participation_contribution": "id, process_id, pseudonym, email, text, created_at",
    "participation_comment": "id, contribution_id, parent_id, pseudonym, email, text, created_at",
    "participation_eventregistration": "*",
    "participation_report": "*",
    "participation_appeal": "*",
    "wagtailforms_formsubmission": "*",
    "communes_commune": "*",
    "charter_legaltextversion": "*",
    "auth_user": "id, username, email, password, is_staff, is_superuser",
}


def stored_rows_sql(world):
    parts = []
    for table, columns in STORED.items():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - names from STORED
            last = cursor.fetchone()[0]
        condition = f"id <= {last}"
        if table == "participation_contribution":
            condition += f" AND id NOT IN ({', '.join(str(pk) for pk in world['own_contributions'])})"
        if table == "participation_comment":
            condition += f" AND id NOT IN ({', '.join(str(pk) for pk in world['own_comments'])})"
        if table == "participation_eventregistration":
            condition += f" AND id NOT IN ({', '.join(str(pk) for pk in world['own_registrations'])})"
        parts.append(
            f"SELECT '{table}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f"FROM (SELECT {columns} FROM {table} WHERE {condition}) t"
        )
    return " UNION ALL ".join(parts)


def stored_rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


# --- The tests --------------------------------------------------------------------------------------


QUESTIONS = [
    {"label": "Ligne", "field_type": "singleline", "required": True},
    {"label": "Texte", "field_type": "multiline", "required": False},
    {"label": "Courriel", "field_type": "email", "required": False},
    {"label": "Nombre", "field_type": "number", "required": False},
    {"label": "Date", "field_type": "date", "required": False},
    {"label": "Case", "field_type": "checkbox", "required": False},
    {"label": "Cases", "field_type": "checkboxes", "required": True, "choices": "Un\nDeux"},
    {"label": "Choix", "field_type": "radio", "required": True, "choices": "Oui\nNon"},
    {"label": "Liste", "field_type": "dropdown", "required": False, "choices": "A\nB"},
]


@pytest.fixture(scope="module")
def world(module_transaction):
    """The demo, searchable, and a contributor whose signed links (confirm, contest, personal data) are tried."""
    with indexed_as_in_production():
        call_command("load_demo", stdout=io.StringIO())
    process = ProcessPage.objects.live().filter(accepts_contributions=True).first()
    # The demo's questionnaire belongs to a closed process, which shows no form: one with each kind of question here.
    add_questionnaire(process, {"title": "Questionnaire ouvert", "fields": QUESTIONS})
    space = CommuneSpacePage.objects.live().first()
    email = "fuzz.contributor@example.org"
    confirmed = add_contribution(process, "Une contribution à soi.", email=email)
    rejected = add_contribution(process, "Une contribution refusée.", email=email, status=ContributionStatus.REJECTED)
    registration = EventRegistration.objects.create(process=process, name="Alex", email=email)
    follow = ProcessFollow.objects.create(process=process, email=email, confirmed_at=timezone.now())
    # A published comment (its reply and report forms are tried) and a rejected one, whose appeal link is tried.
    commented = add_contribution(process, "Une contribution commentée.")
    comment = add_comment(commented, "Un commentaire publié.")
    rejected_comment = add_comment(commented, "Un commentaire refusé.", email=email, status=ContributionStatus.REJECTED)
    world = {
        "action_token": action_url(email, FOLLOW_ACTION, process_id=process.pk).rstrip("/").rsplit("/", 1)[-1],
        "unsubscribe_token": unsubscribe_token(follow),
        "registration_confirm_token": signing.dumps(registration.pk, salt=REGISTRATION_CONFIRM_SALT),
        "registration_cancel_token": signing.dumps(registration.pk, salt=REGISTRATION_CANCEL_SALT),
        "own_registrations": [registration.pk],
        "process": process,
        "space": space,
        "confirm_token": signing.dumps(confirmed.pk, salt=CONFIRM_SALT),
        "appeal_token": signing.dumps(rejected.pk, salt=APPEAL_SALT),
        "comment_appeal_token": signing.dumps(rejected_comment.pk, salt=COMMENT_APPEAL_SALT),
        "own_comments": [comment.pk, rejected_comment.pk],
        "rights_token": rights_url(email).rstrip("/").rsplit("/", 1)[-1],
        "own_contributions": [confirmed.pk, rejected.pk],
    }
    plain_static_files = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static_files):
        world["inputs"] = find_inputs(world)
    world["stored_sql"] = stored_rows_sql(world)
    ONE_CLIENT[:] = [Client(raise_request_exception=False)]
    return world


# One client for every request: each new one builds the middleware again (WhiteNoise reads every static file).
ONE_CLIENT = []


def request_in_a_savepoint(method, path, pairs, *, check_stored=None):
    """One request in a savepoint rolled back after it: a failed query cannot spoil the next example."""
    cache.clear()  # rate limits would answer before the code under test
    client = ONE_CLIENT[0]
    with transaction.atomic():
        before = stored_rows(check_stored) if check_stored else None
        if method == "get":
            separator = "&" if "?" in path else "?"
            response = client.get(f"{path}{separator}{encode(pairs)}")
        else:
            response = client.post(path, encode(pairs), content_type="application/x-www-form-urlencoded")
        after = stored_rows(check_stored) if check_stored else None
        transaction.set_rollback(True)
    return response, before, after


def test_the_enumeration_finds_every_kind_of_input(world):
    """A broken enumeration must not pass for a site without inputs."""
    inputs = world["inputs"]
    assert not inputs.unfilled_routes, f"public URL patterns nothing here fills in: {inputs.unfilled_routes}"
    # The search's, the personal page's (the action it asks to confirm), and the process page's list of
    # contributions (sort, filters, seed and start of the random order, keyset cursors).
    listing = {"tri", "theme", "reponse", "graine", "depart", "apres", "avant"}
    assert {"q", "page", "action", *listing} <= inputs.code_reads, "the public views' reads (none of the admin's)"
    assert len(inputs.maybe_read) >= 20, inputs.maybe_read
    search = reverse("search")
    assert {"q", "commune", "theme", "state", "type"} <= inputs.get[search]
    assert {"q", "page", "x"} <= inputs.maybe_read[search]
    listing = reverse("wagtailapi:pages:listing")
    assert {"offset", "limit", "search", "order", "fields", "type", "child_of", "descendant_of"} <= inputs.get[listing]
    process_listing = f"{listing}?type=participation.ProcessPage"
    assert {"event_starts_at", "event_capacity", "location"} <= inputs.get[process_listing]
    assert {"first_published_at", "slug", "show_in_menus", "alias_of"} <= inputs.get[listing]
    assert {"p"} <= inputs.get[reverse("sitemap")]
    assert sum(len(names) for names in inputs.get.values()) >= 45, inputs.get
    actions = {action for action, _names in inputs.forms}
    form_fields = {name for _action, names in inputs.forms for name in names}
    for expected in (
        "contribuer/",
        "inscription/",
        "/signaler/",
        "/commenter/",
        "/commentaires/",
        "/participation/mes-donnees/",
        "/participation/inscription/confirmer/",
        "/participation/inscription/annuler/",
        "/connexion/",
        "/_util/login/",
    ):
        assert any(expected in action for action in actions), (expected, actions)
    assert {"pseudonym", "email", "text", "rule_key", "needs", "action", "username", "password"} <= form_fields
    assert any(action.startswith(world["process"].url) for action in actions)
    assert len(inputs.form_kinds) >= 12, list(inputs.form_kinds)
    questionnaires = [action for action in actions if "/participation/" not in action and action.count("/") >= 4]
    assert questionnaires, "the questionnaire's form"


def hostile_get(path, name, names, base):
    """Hostile values for `name` (and now and then for two other names of the same address)."""

    @hostile_settings
    @given(value=hostile_text, others=st.lists(st.tuples(st.sampled_from(sorted(names)), hostile_text), max_size=2))
    def run(value, others):
        response, _before, _after = request_in_a_savepoint("get", path, [*base, (name, value), *others])
        assert response.status_code < 500, f"GET {path} {name}={value!r} {others!r}: {response.status_code}"

    return run


def hostile_post(action, form, stored_sql):
    """Each field hostile, or what the page offers: the rest of the form stays valid, so that a hostile field goes
    as far as it can (a contribution is stored, a registration sent)."""
    fields = [
        st.tuples(st.just(name), st.one_of(hostile_text, st.just(_plausible(offered)))) for name, offered in form.fields
    ]

    @settings(hostile_settings, max_examples=EXAMPLES_PER_FORM)
    @given(pairs=st.tuples(*fields))
    def run(pairs):
        response, before, after = request_in_a_savepoint("post", action, list(pairs), check_stored=stored_sql)
        assert response.status_code < 500, f"POST {action} {pairs!r}: {response.status_code}"
        changed = [table for table in before if before[table] != after[table]]
        assert not changed, f"POST {action} {pairs!r} changed stored rows of {changed}"

    return run


def hostile_get_together(path, names):
    """Hostile values for any of `names` at once."""

    @settings(hostile_settings, max_examples=EXAMPLES_PER_ADDRESS)
    @given(pairs=st.lists(st.tuples(st.sampled_from(sorted(names)), hostile_text), min_size=1, max_size=len(names)))
    def run(pairs):
        response, _before, _after = request_in_a_savepoint("get", path, pairs)
        assert response.status_code < 500, f"GET {path} {pairs!r}: {response.status_code}"

    return run


def test_no_get_parameter_answers_a_server_error(world):
    inputs = world["inputs"]
    failures = []
    runs = [
        (address, hostile_get(address.split("?", 1)[0], name, names, inputs.get_base.get(address, [])))
        for address, names in sorted(inputs.get.items())
        for name in sorted(names)
    ]
    runs += [(address, hostile_get_together(address, names)) for address, names in sorted(inputs.maybe_read.items())]
    for address, run in runs:
        try:
            run()
        except (AssertionError, ExceptionGroup) as error:
            failures.append(f"{address}: {str(error)[:500]}")
    assert not failures, "\n".join(failures)


def test_no_form_field_answers_a_server_error_or_changes_what_is_stored(world):
    failures = []
    for action, form in world["inputs"].form_kinds.values():
        try:
            hostile_post(action, form, world["stored_sql"])()
        except (AssertionError, ExceptionGroup) as error:
            failures.append(str(error)[:800])
    assert not failures, "\n".join(failures)
