"""Settings come from the environment: each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

# The settings as Django reads them (its defaults, then the module), in a fresh interpreter, without loading the apps.
PRINT_SETTINGS = """
import json
from django.conf import Settings
settings = Settings("config.settings")
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST"), "port": db.get("PORT"),
    "user": db.get("USER"), "debug": settings.DEBUG, "secret_key": settings.SECRET_KEY,
    "allowed_hosts": settings.ALLOWED_HOSTS, "cache": settings.CACHES["default"],
    "email_backend": settings.EMAIL_BACKEND, "email_delivery": settings.EMAIL_DELIVERY_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "language": settings.LANGUAGE_CODE, "time_zone": settings.TIME_ZONE,
    "static_storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "search_config": settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG"),
    "search": settings.WAGTAILSEARCH_BACKENDS["default"],
    "frame_src": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"],
    "embed_endpoints": [p["endpoint"] for p in settings.WAGTAILEMBEDS_FINDERS[0]["providers"]],
}))
"""

CONFIG_VARIABLES = (
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CACHE_URL",
    "CACHE_DIR",
    "EMAIL_HOST",
    "HTTPS",
    "SERVE_MEDIA",
    "SEARCH_URL",
    "SEARCH_BACKEND",
    "PEERTUBE_HOSTS",
)


def run_settings(**environment):
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(environment, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(**environment):
    completed = run_settings(**environment)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_defaults_run_on_a_bare_laptop_in_french():
    loaded = load_settings(SECRET_KEY="a-key-for-this-test")

    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"].endswith("db.sqlite3")
    assert loaded["debug"] is False
    assert loaded["allowed_hosts"] == ["127.0.0.1", "localhost"]
    assert loaded["language"] == "fr"
    assert loaded["time_zone"] == "Europe/Paris"
    assert loaded["email_backend"] == "core.emails.QueuedEmailBackend"
    assert loaded["email_delivery"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["cache"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert loaded["cache"]["LOCATION"] == str(PROJECT_DIR / "var" / "cache")
    assert loaded["static_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_environment_configures_database_secret_hosts_cache_and_email():
    loaded = load_settings(
        DATABASE_URL="postgres://participation:s3cret@db.internal:5433/jeparticipe",
        DEBUG="true",
        SECRET_KEY="a-secret-from-the-environment",
        ALLOWED_HOSTS="jeparticipe.example.fr, www.jeparticipe.example.fr",
        CACHE_URL="redis://cache.internal:6379/2",
        EMAIL_HOST="smtp.example.fr",
        HTTPS="1",
    )

    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["name"], loaded["host"], loaded["port"], loaded["user"]) == (
        "jeparticipe",
        "db.internal",
        5433,
        "participation",
    )
    assert loaded["search_config"] == "french_unaccent"
    assert loaded["debug"] is True
    assert loaded["secret_key"] == "a-secret-from-the-environment"
    assert loaded["allowed_hosts"] == ["jeparticipe.example.fr", "www.jeparticipe.example.fr"]
    assert loaded["cache"]["BACKEND"] == "core.cache.ResilientRedisCache"
    assert loaded["cache"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert loaded["email_backend"] == "core.emails.QueuedEmailBackend"
    assert loaded["email_delivery"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["email_host"] == "smtp.example.fr"
    assert loaded["session_cookie_secure"] is True


def test_without_cache_url_the_workers_of_a_machine_share_a_cache_in_files():
    """Each gunicorn worker is a process: a cache in its own memory would count and forget alone."""
    in_files = load_settings(SECRET_KEY="k", CACHE_DIR="/var/cache/participation")
    on_request = load_settings(SECRET_KEY="k", CACHE_URL="locmem://")

    assert in_files["cache"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert in_files["cache"]["LOCATION"] == "/var/cache/participation"
    assert on_request["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_a_missing_secret_key_stops_start_up_unless_debugging():
    refused = run_settings()
    debugging = load_settings(DEBUG="1")

    assert refused.returncode != 0
    assert "SECRET_KEY must be set" in refused.stderr
    assert debugging["secret_key"].startswith("django-insecure")


def test_malformed_boolean_stops_start_up_with_a_clear_message():
    completed = run_settings(DEBUG="peut-être")

    assert completed.returncode != 0
    assert "DEBUG must be a boolean" in completed.stderr


def test_unknown_cache_url_stops_start_up_with_a_clear_message():
    completed = run_settings(CACHE_URL="memcached://cache:11211", SECRET_KEY="k")

    assert completed.returncode != 0
    assert "CACHE_URL must start with redis://" in completed.stderr


def test_search_moves_to_opensearch_with_a_french_analyser_by_settings_alone():
    loaded = load_settings(SECRET_KEY="k", SEARCH_URL="https://search.internal:9200")

    search = loaded["search"]
    assert search["BACKEND"] == "search.backend"  # which reads every query as words first
    assert search["SEARCHES_WITH"] == "wagtail.search.backends.opensearch3"
    assert search["URLS"] == ["https://search.internal:9200"]
    analyser = search["INDEX_SETTINGS"]["settings"]["analysis"]["analyzer"]["default"]
    assert analyser["filter"] == ["french_elision", "lowercase", "asciifolding", "french_stemmer"]
    assert load_settings(
        SECRET_KEY="k", SEARCH_URL="http://es:9200", SEARCH_BACKEND="wagtail.search.backends.elasticsearch8"
    )["search"]["SEARCHES_WITH"] == ("wagtail.search.backends.elasticsearch8")


def test_files_served_from_elsewhere_than_the_app_stop_the_checks(settings):
    """Files are served through the one rule of visibility: a MEDIA_URL on another host would bypass it."""
    from django.core.checks import run_checks

    assert "communes.E001" not in [message.id for message in run_checks()]
    for elsewhere in ("https://bucket.example.org/media/", "//cdn.example.org/media/"):
        settings.MEDIA_URL = elsewhere
        assert "communes.E001" in [message.id for message in run_checks()]


def test_every_rate_limited_action_fits_its_counter():
    from django.conf import settings

    from participation.models import RateLimitCounter

    longest = RateLimitCounter._meta.get_field("action").max_length
    assert [action for action in settings.RATE_LIMITS if len(action) > longest] == []
