"""Two app servers, as `gunicorn --workers N` or two machines run them: limits and reports count together.

The servers are real processes (gunicorn, one worker each) on the test database, with the settings production has
when CACHE_URL is unset; the test process shares their cache, as the admin's process would. Each test commits its
world (pytest-django's transactional tests, the migrations' rows restored afterwards) so that the servers see it.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from charter.models import LegalTextKind
from communes.services import ensure_commune_space, register_commune
from home.services import ensure_metropole_identity, ensure_portal
from participation.models import Contribution, ContributionStatus, Report
from tests.conftest import body, publish_legal_text
from tests.factories import CommuneFactsFactory, ConventionFactory, ProviderContractFactory
from tests.participation.conftest import add_contribution, contribution_data, make_process

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The project's ports for the servers its tests start; the first two free ones are taken.
# Variables of the developer's environment that would change what the servers do.
CONFIGURATION = ("CACHE_URL", "CACHE_DIR", "CACHE_KEY_PREFIX", "DEBUG", "TRUSTED_PROXY_COUNT", "EMAIL_HOST")
READY_WITHIN_SECONDS = 90
READ_CACHES = (
    "import json; from django.conf import Settings; print(json.dumps(Settings('tests.server_settings').CACHES))"
)

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def database_url_of_the_tests():
    database = connection.settings_dict
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


def caches_as_servers_read_them(environment):
    """The CACHES setting the servers run with, read by Django from the same environment."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            READ_CACHES,
        ],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(completed.stdout)


def wait_until_ready(process, log):
    """The port the system gave the server (it binds port 0: never another program's server), once it listens.

    Gunicorn listens once its worker is about to serve; requests sent earlier wait in the queue. Only its log is
    read: a page asked now would fill the servers' caches before the test's world exists.
    """
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The server stopped:\n{log.read_text()}")
        listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
        if listening:
            return int(listening.group(1))
        time.sleep(0.2)
    pytest.fail(f"The server did not listen:\n{log.read_text()}")


def stop(process):
    """The server's master and its worker, by the process group this module started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module", autouse=True)
def migrated_rows_restored(django_db_setup, django_db_blocker):
    """A transactional test ends on an empty database; the rows the migrations wrote (the page tree's root, the
    default groups...) are restored for the modules that follow and for the next run (`--reuse-db`).

    pytest-django restores them at the start of each test marked `serialized_rollback`, not after the last one.
    """
    yield
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Two gunicorn servers on the test database, started once for the module and always stopped."""
    folder = tmp_path_factory.mktemp("servers")
    environment = {key: value for key, value in os.environ.items() if key not in CONFIGURATION}
    environment.update(
        DJANGO_SETTINGS_MODULE="tests.server_settings",
        DATABASE_URL=database_url_of_the_tests(),
        DATABASE_CONN_MAX_AGE="0",
        SECRET_KEY=django_settings.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        CACHE_DIR=str(folder / "cache"),
        # Two distinct reporters hide a contribution: one client counted twice would.
        REPORT_THRESHOLD="2",
    )
    started = []
    try:
        for number in range(2):
            log = folder / f"server-{number}.log"
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                "1",
                "--timeout",
                "120",
                "--bind",
                "127.0.0.1:0",
            ]
            with log.open("w") as output:
                process = subprocess.Popen(
                    command, cwd=PROJECT_DIR, env=environment, stdout=output, stderr=output, start_new_session=True
                )
            started.append((process, log))
        urls = [f"http://127.0.0.1:{wait_until_ready(process, log)}" for process, log in started]
        yield {"urls": urls, "caches": caches_as_servers_read_them(environment)}
    finally:
        for process, _log in started:
            stop(process)


@pytest.fixture
def process(servers, settings):
    """An open process of an active commune, committed; built with the servers' cache, as the admin would."""
    settings.CACHES = servers["caches"]
    cache.clear()
    portal, _created = ensure_portal(title="Je participe", intro="<p>Le portail de test.</p>")
    ensure_metropole_identity(
        portal.get_site(), name="Métropole de Test", address="1 place de la Mairie", mission_email="m@example.org"
    )
    ProviderContractFactory()
    commune, _created = register_commune(CommuneFactsFactory(name="Essey-lès-Nancy", slug="essey", insee_code="54184"))
    ConventionFactory(commune=commune)
    space, _created = ensure_commune_space(commune, portal)
    rules = [("respect", "Respecter les personnes"), ("publicite", "Pas de publicité ni de spam")]
    publish_legal_text(LegalTextKind.CHARTER, "2022-03-01", body=body("Charte.", rules=rules))
    publish_legal_text(LegalTextKind.TERMS, "2022-03-01")
    return make_process(space)


def browser_session(url):
    """A browser's session after reading the page: its forms carry no token (the page may come from a cache), and
    the browser says the POST comes from the same site, as both servers stand behind one public address."""
    session = requests.Session()
    session.headers["Sec-Fetch-Site"] = "same-origin"
    page = session.get(url, timeout=120)
    assert page.status_code == 200, page.text
    assert "csrfmiddlewaretoken" not in page.text
    return session


@transactional
def test_one_client_posting_to_two_servers_is_held_to_one_limit(servers, process):
    session = browser_session(servers["urls"][0] + process.url)

    statuses = []
    for n in range(8):
        server = servers["urls"][n % 2]
        data = contribution_data(
            process, text=f"Idée numéro {n} pour la cour de l'école.", email=f"auteur{n}@example.org"
        )
        response = session.post(server + process.url + "contribuer/", data, timeout=120)
        statuses.append(response.status_code)
        if response.status_code == 400:
            assert "trop de demandes" in response.text

    assert statuses == [200] * 5 + [400] * 3, "RATE_LIMIT_CONTRIBUTIONS (5) in total, not per server"
    assert Contribution.objects.count() == 5


@transactional
def test_one_client_reporting_through_two_servers_counts_once(servers, process):
    contribution = add_contribution(process, "Une idée que quelqu'un signale encore et encore.")
    session = browser_session(servers["urls"][0] + process.url)

    statuses = []
    for n in range(8):
        server = servers["urls"][n % 2]
        url = f"{server}{process.url}contributions/{contribution.pk}/signaler/"
        response = session.post(url, {"rule_key": "respect"}, timeout=120)
        statuses.append(response.status_code)

    assert statuses == [200] + [400] * 7
    assert Report.objects.filter(contribution=contribution).count() == 1, "one distinct reporter"
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.PUBLISHED, "REPORT_THRESHOLD is 2: one client is not enough"
