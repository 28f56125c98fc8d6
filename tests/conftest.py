import datetime
import io
import json

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from charter.models import LegalTextKind, LegalTextVersion
from communes.models import CommuneGroup, CommuneRole
from communes.roles import ensure_staff_group
from communes.services import ensure_commune_space, register_commune
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


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate limits and notification throttles live in the cache: each test starts afresh.
    cache.clear()


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    """The demo data, loaded once for a whole module inside a transaction that is rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_database, db):
    """The demo site as `load_demo` leaves it; each test runs in a savepoint, so what it changes is undone."""


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


@pytest.fixture
def portal(db):
    portal, _created = ensure_portal(title="Je participe", intro="<p>Le portail de test.</p>")
    ensure_metropole_identity(
        portal.get_site(),
        name="Métropole de Test",
        address="1 place de la Mairie\n54000 Testville",
        mission_email="participation@example.org",
    )
    return portal


@pytest.fixture
def site(portal):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def provider_contract(db):
    return ProviderContractFactory()


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
def commune_space(make_space):
    return make_space("Essey-lès-Nancy", slug="essey-les-nancy", insee_code="54184")


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


@pytest.fixture
def publish_text(db):
    """Publish a version of a legal text, as staff would in the admin."""

    def publish(kind, effective_on, text="Texte.", summary="", **fields):
        if kind == LegalTextKind.ACCESSIBILITY:
            fields.setdefault("accessibility_status", "partiellement")
        version = LegalTextVersion(
            kind=kind,
            effective_on=effective_on
            if isinstance(effective_on, datetime.date)
            else datetime.date.fromisoformat(effective_on),
            summary_of_changes=summary,
            body=fields.pop("body", None) or body(text),
            live=False,
            **fields,
        )
        version.save()
        version.save_revision().publish()
        version.refresh_from_db()
        return version

    return publish


@pytest.fixture
def all_texts(publish_text):
    return {kind: publish_text(kind, "2022-03-01", text=f"Texte : {kind.label}.") for kind in LegalTextKind}
