import datetime
import io
import json
import socket
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import transaction
from django.db.models.signals import post_save
from django.test import override_settings
from django.test.client import ClientMixin
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from modelsearch import index as search_index_module
from modelsearch import signal_handlers as search_signal_handlers
from wagtail.models import Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from charter.models import LegalTextKind, LegalTextVersion
from communes.models import CommuneGroup, CommuneRole, CommuneSpacePage, ProviderContract
from communes.roles import ensure_staff_group
from communes.services import ensure_commune_space, register_commune
from home.models import HomePage
from home.services import ensure_metropole_identity, ensure_portal
from tests.factories import CommuneFactsFactory, ConventionFactory, ProviderContractFactory

START_POSTGRESQL_HINT = (
    "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
    "or point DATABASE_URL at a running server"
)


def pytest_configure(config):
    """The suite runs on PostgreSQL only; stop at once, in one line, when none answers."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError(
            "The tests run on PostgreSQL: use `make test`, or set DATABASE_URL=postgres://user@host:5432/name."
        )
    host, port = database.get("HOST") or "localhost", database.get("PORT") or 5432
    try:
        psycopg.connect(
            host=host,
            port=port,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split())
        raise pytest.UsageError(
            f"Cannot reach PostgreSQL at {host}:{port} ({reason}): {START_POSTGRESQL_HINT}."
        ) from None


# The device of the sessions that the test client's login helpers open.
TEST_CLIENT_DEVICE = "test client"


@pytest.fixture(autouse=True, scope="session")
def client_logins_pass_the_second_factor():
    """`client.force_login(user)` and `client.login(...)` open a session that has passed the second factor.

    Métropole staff and superusers must enter a code before any admin view (wagtail-2fa): a test that signs them
    in this way stands for a person who did. The tests of the second factor itself sign in through the forms
    (tests/config/test_second_factor.py).
    """
    log_in = ClientMixin._login

    def log_in_with_second_factor(self, user, backend=None):
        log_in(self, user, backend)
        device, _created = StaticDevice.objects.get_or_create(user=user, name=TEST_CLIENT_DEVICE)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientMixin, "_login", log_in_with_second_factor)
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate limits and notification throttles live in the cache, anonymous pages in theirs: each test starts afresh.
    cache.clear()
    caches["pages"].clear()


@pytest.fixture
def page_cache(settings):
    """The cache of anonymous pages, as in production (tests/settings.py turns it off: a test that counts what a
    page costs to render, or reads it again after a change of a counter, sees the page rendered)."""
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def closed_redis_url():
    """The URL of a Redis that is not running: its port is held by the test and listened on by nobody."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{holder.getsockname()[1]}/0"


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """One transaction around a whole test module: what module-scoped fixtures build is undone at its end.

    Each test runs in a savepoint inside it (pytest-django's `db`), so a test still undoes its own changes.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        yield
        transaction.set_rollback(True)


@contextmanager
def indexed_as_in_production():
    """Module-scoped fixtures build their objects once, with the indexes they would have in production."""
    backends = {name: {**params, "AUTO_UPDATE": True} for name, params in settings.WAGTAILSEARCH_BACKENDS.items()}
    with override_settings(WAGTAILSEARCH_BACKENDS=backends):
        yield


@pytest.fixture(scope="module")
def demo_database(module_transaction):
    """The demo data, loaded once for a whole module."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def demo(demo_database, db):
    """The demo site as `load_demo` leaves it; each test runs in a savepoint, so what it changes is undone."""


def _search_index_handlers(connect):
    for model in search_index_module.get_indexed_models():
        if getattr(model, "search_auto_update", True):
            signal = post_save.connect if connect else post_save.disconnect
            signal(search_signal_handlers.post_save_signal_handler, sender=model)


@pytest.fixture(autouse=True)
def indexes_updated_only_where_looked_at(request):
    """Saving a page updates Wagtail's reference index and the search index: a quarter of a fixture's cost.

    Tests that look at either ask for it (`reference_index`, `search_index`); the others save without them.
    """
    uses = set(request.fixturenames)
    if "search_index" not in uses:
        _search_index_handlers(connect=False)
    if "reference_index" in uses:
        yield
    else:
        with disable_reference_index_auto_update():
            yield
    _search_index_handlers(connect=True)


@pytest.fixture
def reference_index():
    """Wagtail's reference index follows every save, as in production: which page uses which file."""


@pytest.fixture
def search_index(settings):
    """Keep the search index up to date on every save, as in production (tests/settings.py turns it off)."""
    backends = {name: {**params, "AUTO_UPDATE": True} for name, params in settings.WAGTAILSEARCH_BACKENDS.items()}
    settings.WAGTAILSEARCH_BACKENDS = backends


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # Hashed static names need `collectstatic`; pages under test only need a URL.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# --- The shared base world: built once per module, fetched afresh by each test ----------------------------
# Most tests start from a portal, a provider contract, Essey-lès-Nancy's space (active convention) and, in
# participation and search, the legal texts and a process. Building them costs more than most tests themselves:
# each is built once per module (`module_transaction`) and each test gets its own copy from the database.


@pytest.fixture(scope="module")
def base_portal(module_transaction):
    with indexed_as_in_production():
        portal, _created = ensure_portal(title="Je participe", intro="<p>Le portail de test.</p>")
        ensure_metropole_identity(
            portal.get_site(),
            name="Métropole de Test",
            address="1 place de la Mairie\n54000 Testville",
            mission_email="participation@example.org",
        )
    return portal.pk


@pytest.fixture(scope="module")
def base_provider_contract(module_transaction):
    return ProviderContractFactory().pk


@pytest.fixture(scope="module")
def base_essey(base_portal, base_provider_contract):
    with indexed_as_in_production():
        commune, _created = register_commune(
            CommuneFactsFactory(name="Essey-lès-Nancy", slug="essey-les-nancy", insee_code="54184")
        )
        ConventionFactory(commune=commune)
        space, _created = ensure_commune_space(commune, HomePage.objects.get(pk=base_portal))
    return space.pk


@pytest.fixture
def portal(base_portal, db):
    return HomePage.objects.get(pk=base_portal)


@pytest.fixture
def site(portal):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def provider_contract(base_provider_contract, db):
    return ProviderContract.objects.get(pk=base_provider_contract)


@pytest.fixture
def make_space(portal, provider_contract):
    """A commune with its space; online (an active convention) unless `active=False`."""

    def make(name, *, active=True, **facts):
        commune, _created = register_commune(CommuneFactsFactory(name=name, **facts))
        if active:
            ConventionFactory(commune=commune)
        space, _created = ensure_commune_space(commune, portal)
        return space

    return make


@pytest.fixture
def commune_space(base_essey, portal, provider_contract):
    return CommuneSpacePage.objects.get(pk=base_essey)


@pytest.fixture
def on_day(monkeypatch):
    """Make `timezone.localdate()` answer a given day, as if the site ran on that date."""
    original = timezone.localdate

    def set_day(day):
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: day if value is None else original(value, tz)
        )

    return set_day


@pytest.fixture
def make_user(db):
    def make(username, *groups):
        user = get_user_model().objects.create_user(username, f"{username}@example.org", "a-long-test-password")
        user.groups.add(*groups)
        return user

    return make


def commune_group(space, role):
    return CommuneGroup.objects.get(commune=space.commune, role=role).group


@pytest.fixture
def essey_editor(make_user, commune_space):
    return make_user("editeur-essey", commune_group(commune_space, CommuneRole.EDITORS))


@pytest.fixture
def staff_user(make_user, portal):
    return make_user("mission", ensure_staff_group(portal))


def body(*paragraphs, rules=()):
    blocks = [{"type": "paragraph", "value": f"<p>{text}</p>"} for text in paragraphs]
    blocks += [{"type": "rule", "value": {"key": key, "title": title, "text": "<p>…</p>"}} for key, title in rules]
    return json.dumps(blocks)


def publish_legal_text(kind, effective_on, text="Texte.", summary="", **fields):
    """Publish a version of a legal text, as staff would in the admin."""
    if not isinstance(effective_on, datetime.date):
        effective_on = datetime.date.fromisoformat(effective_on)
    version = LegalTextVersion(
        kind=kind,
        effective_on=effective_on,
        summary_of_changes=summary,
        body=fields.pop("body", None) or body(text),
        live=False,
        **fields,
    )
    version.save()
    version.save_revision().publish()
    version.refresh_from_db()
    return version


@pytest.fixture
def publish_text(db):
    """Publish a version of a legal text, as staff would in the admin."""
    return publish_legal_text


@pytest.fixture
def all_texts(publish_text):
    return {kind: publish_text(kind, "2022-03-01", text=f"Texte : {kind.label}.") for kind in LegalTextKind}


def pytest_terminal_summary(terminalreporter):
    """Say how much of the site the permission matrix tried (tests/config/test_permission_matrix.py)."""
    pairs, routes, roles = 0, 0, 0
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        properties = dict(getattr(report, "user_properties", ()))
        if report.when == "call" and "matrix_pairs" in properties:
            pairs += properties["matrix_pairs"]
            routes = properties["matrix_routes"]
            roles += 1
    if pairs:
        terminalreporter.write_line(
            f"Permission matrix: {pairs} (URL, role) pairs tried, {routes} URL patterns, {roles} roles."
        )


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (`--dist loadgroup`), each test module runs on one worker, so that its shared world is
    built once; the tests marked `spread` (the permission matrix's roles) are shared out one by one."""
    for item in items:
        if item.get_closest_marker("spread") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
