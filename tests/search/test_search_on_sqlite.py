"""On SQLite (`make run`'s default database), searches with quotes answered 500: proven through real requests.

The suite runs on PostgreSQL; this test starts a fresh interpreter on a SQLite file with the full-text table of
Wagtail's search (the tables are created from the models, without migrations, to stay quick), then searches
from the site, the API and the admin.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

SETTINGS = """
from config.settings import *  # noqa: F403
import os

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SQLITE_PATH"]}}
ALLOWED_HOSTS = ["testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A clean clone has no collected static files: pages name them without the manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


class _TablesFromModels(dict):
    def __contains__(self, app_label):
        return True

    def __getitem__(self, app_label):
        return None


MIGRATION_MODULES = _TablesFromModels()
"""

REQUESTS = """
import json
import django

django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from wagtail.models import Locale, Page

call_command("migrate", run_syncdb=True, verbosity=0)
with connection.cursor() as cursor:
    # The full-text table as Wagtail's search migration creates it on SQLite.
    cursor.execute("DROP TABLE wagtailsearch_indexentry_fts")
    cursor.execute("CREATE VIRTUAL TABLE wagtailsearch_indexentry_fts USING fts5(autocomplete, body, title)")
    cursor.execute(
        "CREATE TRIGGER insert_wagtailsearch_indexentry_fts AFTER INSERT ON wagtailsearch_indexentry BEGIN "
        "INSERT INTO wagtailsearch_indexentry_fts(title, body, autocomplete, rowid) "
        "VALUES (NEW.title, NEW.body, NEW.autocomplete, NEW.id); END"
    )
Locale.objects.create(language_code="fr")
root = Page.add_root(instance=Page(title="Racine", slug="root"))
from home.services import ensure_portal

ensure_portal(title="Je participe", intro="<p>Bienvenue.</p>")
call_command("update_index", verbosity=0)
staff = Client()
staff.force_login(get_user_model().objects.create_superuser("admin", "admin@example.org", "x"))
anonymous = Client(raise_request_exception=False)
staff.raise_request_exception = False
answers = {}
for query in ['"', '"participe', 'je "participe"', '""', '*', '-', 'a"b', "l'école", "NEAR(a b)", "a OR b"]:
    answers[f"site {query}"] = anonymous.get("/recherche/", {"q": query}).status_code
    answers[f"api {query}"] = anonymous.get("/api/v2/pages/", {"search": query}).status_code
    answers[f"admin explorer {query}"] = staff.get("/admin/pages/", {"q": query}).status_code
    answers[f"admin chooser {query}"] = staff.get("/admin/choose-page/search/", {"q": query}).status_code
# A date the field accepts but that SQLite's conversion to UTC cannot hold (past the year 9999, before the year 1).
for when in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
    for name in ("event_starts_at", "first_published_at"):
        answers[f"api {name}={when}"] = anonymous.get(
            "/api/v2/pages/", {"type": "participation.ProcessPage", name: when}
        ).status_code
found = [list(Page.objects.search(query)) for query in ("participe", '"participe"', '"')]
print(json.dumps({"answers": answers, "found": [[page.title for page in pages] for pages in found]}))
"""


def test_searches_with_quotes_answer_on_sqlite_from_the_site_the_api_and_the_admin(tmp_path):
    (tmp_path / "sqlite_settings.py").write_text(SETTINGS)
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SEARCH_URL")},
        "DJANGO_SETTINGS_MODULE": "sqlite_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT_DIR)]),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "SECRET_KEY": "sqlite-test-key",
        "DEBUG": "0",
    }
    completed = subprocess.run(
        [sys.executable, "-c", REQUESTS], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    errors = {request: status for request, status in result["answers"].items() if status >= 500}
    assert not errors, errors
    assert result["found"] == [["Je participe"], ["Je participe"], []], "the words between quotes are searched"
