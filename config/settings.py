"""Settings for the participation platform, read from the environment.

One module with a few switches: every value a deployment may change is an
environment variable documented in the README. The defaults run on a laptop
with SQLite, local files and the console email backend.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from wagtail.embeds import oembed_providers

from core.media_storage import media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None


DEBUG = env_bool("DEBUG", default=False)

# Signed links (confirmations, appeals) and sessions depend on it: never a key from the repository.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (the Makefile keeps a random one in .secret_key for local runs)."
        )
    SECRET_KEY = "django-insecure-debug-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    "home",
    "communes",
    "participation",
    "charter",
    "search",
    "core",  # template tags (French typography) and an admin hook (the session warning): no models
    "wagtail_2fa",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.api.v2",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Anonymous visitors are served from the page cache, first of all: a hit runs no other middleware and reads
    # neither the session nor the database; what the middlewares below add to a page (security headers, the
    # Content-Security-Policy, the Permissions-Policy) is kept with it (core.pagecache).
    "core.pagecache.AnonymousPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy: the strict public policy, the admin's own under /admin/ (core.headers).
    "core.headers.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A Redis cache key is read once per request, however many times the request asks it (core.cache).
    "core.cache.ReadOncePerRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Wagtail's site for the request and its root page, from the cache rather than two queries per request.
    "communes.serving.KnownSiteMiddleware",
    # A NUL character or bytes that are not UTF-8 in the address or a parameter: a French 400 before any view.
    "core.input.RefuseUnreadableInputMiddleware",
    # The request at hand for what Wagtail asks without it: page links in rich text, tags offered in the admin.
    "communes.admin.current_request.CurrentRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signed-in sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after sign-in.
    "core.logins.SessionTimeoutMiddleware",
    # Métropole staff and superusers (permission wagtailadmin.enable_2fa), and whoever registered a device, pass a
    # second factor before any view; commune editors and moderators may opt in.
    "core.logins.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # What a signed-in person sees is never kept by a shared cache.
    "core.headers.PrivateWhenSignedInMiddleware",
    # Wagtail's redirects, never to a page the visitor may not see.
    "communes.serving.VisibleRedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its answer (core.logins.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "charter.context_processors.legal_texts",
            ],
        },
    },
]

# --- Database and cache -----------------------------------------------------

# SQLite only lets `make run` work on a bare laptop; PostgreSQL is the real
# database (tests, production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASE_IS_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` writes from two processes (the server and the email worker): each transaction takes the write lock
    # as it begins, and waits for the other's, instead of failing with "database is locked" half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What lives in the cache can be lost at any time (the gate's answer for the day, Wagtail's site roots and
# renditions, the hourly throttle of moderators' emails): rate limits and reports are counted in the database.
# CACHE_URL unset: files in CACHE_DIR, shared by every worker of this machine (a private directory: the files are
# pickles). redis://host:6379/0: one cache for every app server, and a stopped Redis only empties it
# (core.cache). locmem:// (each process its own memory, for tests) and dummy:// (no cache) on request.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHE_DIR = Path(os.environ.get("CACHE_DIR", BASE_DIR / "var" / "cache"))
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "participation"),
        }
    }
elif CACHE_URL == "":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR),
            # Wagtail keeps one entry per image rendition: more room than Django's 300.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL == "dummy://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis:// or rediss://, or be locmem:// or dummy://, got {CACHE_URL!r}."
    )

# The pages served to anonymous visitors (core.pagecache) have their own cache beside the default one, so that a
# surge of visitors evicts pages, not the gate's answer or the throttles: same Redis (another prefix), or files
# in CACHE_DIR/pages.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
    CACHES["pages"] = {**CACHES["default"], "LOCATION": str(CACHE_DIR / "pages"), "OPTIONS": {"MAX_ENTRIES": 20000}}
elif "KEY_PREFIX" in CACHES["default"]:
    CACHES["pages"] = {**CACHES["default"], "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"] + ":pages"}
else:
    CACHES["pages"] = {**CACHES["default"], "LOCATION": "pages"}
# Seconds an anonymous page is kept (and s-maxage for a front cache), never past midnight: the freshness of the
# counters (supports, comments, seats left), which no event purges. 0: no page cache.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
PAGE_CACHE_MAX_BYTES = 2 * 1024 * 1024
# Never served from the cache nor kept (besides the admin, MEDIA_URL and STATIC_URL): signed links and personal
# pages, signing in, documents, and the API (its listings and filters are endless: no front cache could be purged
# of them).
PAGE_CACHE_EXCLUDED_PATHS = ["/participation/", "/connexion/", "/deconnexion/", "/documents/", "/api/"]

# A front cache (Varnish, nginx, a CDN) before the app servers, purged through wagtail.contrib.frontend_cache when
# pages change: FRONTEND_CACHE_URL for a cache that accepts HTTP PURGE requests (Varnish, nginx with a purge
# module), or Cloudflare's zone and API token.
WAGTAILFRONTENDCACHE = {}
if os.environ.get("FRONTEND_CACHE_URL"):
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["FRONTEND_CACHE_URL"],
    }
if os.environ.get("FRONTEND_CACHE_CLOUDFLARE_ZONEID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "ZONEID": os.environ["FRONTEND_CACHE_CLOUDFLARE_ZONEID"],
        "BEARER_TOKEN": os.environ.get("FRONTEND_CACHE_CLOUDFLARE_TOKEN", ""),
    }

# --- Language: French by default --------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files and media ---------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

STORAGES = {
    # Uploaded files: MEDIA_ROOT on this machine, or a private bucket of an S3-compatible object storage shared by
    # every app server (MEDIA_STORAGE_URL=s3://key:secret@host/bucket?region=…, read by core.media_storage).
    "default": media_storage(os.environ.get("MEDIA_STORAGE_URL", "")),
    # Hashed, compressed names: browsers may cache static files for ever.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploaded files are always served by the app, at MEDIA_URL, to those who may see them (communes.serving):
# a file of an ended commune or of an internal process is not served to the public. Never let the web server or a
# bucket serve MEDIA_ROOT directly: the bucket stays private (README, Deployment).

# --- Email --------------------------------------------------------------------

# Whatever sends with Django's mail API (Wagtail's password reset and notifications too) only queues a task
# (`core.emails`); the email worker sends it through EMAIL_DELIVERY_BACKEND: SMTP, or the console without EMAIL_HOST.
EMAIL_BACKEND = "core.emails.QueuedEmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "participation@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds to wait for the SMTP server: only the email worker talks to it (`core.emails`).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# --- Tasks ----------------------------------------------------------------------

TASKS = {
    # Wagtail's own tasks (reference index, image focal points, deleting replaced files) run in the request that
    # causes them, as before: which page uses which file decides at once who may see it.
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    # Emails (`core.emails.queue_email`): a row written in the transaction that causes them, sent by
    # `manage.py email_worker`, retried for about a day when the SMTP server fails.
    "emails": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# --- Security -----------------------------------------------------------------

# HTTPS=1 behind a TLS-terminating proxy: secure cookies, HSTS, redirect to https. `manage.py check --deploy` is
# clean with HTTPS=1 and the defaults below (tests/config/test_deploy_checks.py).
# A form sent without its CSRF cookie answers a page of the site, in French, saying what to do.
CSRF_FAILURE_VIEW = "core.outage.csrf_failure"
HTTPS = env_bool("HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    # The site has a host of its own (jeparticipe.example.fr): nothing below it is served over plain http.
    # Set to 0 if the site is served at a domain whose subdomains still need http.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Consent to the browsers' preload list; being listed still takes a submission at hstspreload.org.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Legacy browsers only: the CSP's frame-ancestors below takes precedence wherever it is understood. Wagtail's
# preview panel frames the admin's own preview view, which sets SAMEORIGIN itself.
X_FRAME_OPTIONS = "DENY"

# Videos that editors may embed (wagtail.embeds): only these oEmbed providers, and the public pages' CSP lets
# exactly their players in (frame-src). PeerTube instances are each a host of their own: PEERTUBE_HOSTS.
# Another provider: add its oEmbed entry and the origin of its player here, nowhere else.
EMBED_PROVIDERS = [
    (oembed_providers.youtube, ["https://www.youtube.com", "https://www.youtube-nocookie.com"]),
    (oembed_providers.dailymotion, ["https://www.dailymotion.com", "https://geo.dailymotion.com"]),
    (oembed_providers.vimeo, ["https://player.vimeo.com"]),
] + [
    (
        {
            "endpoint": f"https://{host}/services/oembed",
            "urls": [rf"^https://{re.escape(host)}/(?:w|videos/watch)/.+$"],
        },
        [f"https://{host}"],
    )
    for host in env_list("PEERTUBE_HOSTS")
]
WAGTAILEMBEDS_FINDERS = [
    {"class": "wagtail.embeds.finders.oembed", "providers": [provider for provider, _players in EMBED_PROVIDERS]}
]
EMBED_PLAYER_ORIGINS = [origin for _provider, players in EMBED_PROVIDERS for origin in players]

# Content-Security-Policy (django-csp), public site: no inline script or style at all, everything from this
# site; uploaded images come from MEDIA_URL, a path of this site (the check communes.E001 refuses another host).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-src": EMBED_PLAYER_ORIGINS,
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
# The Wagtail admin under /admin/ (Wagtail's views, ours, wagtail-2fa's): Wagtail 8 still writes inline scripts
# (date and time pickers, inline panels, chooser modals run the scripts of the HTML they receive) and inline
# styles, so it needs 'unsafe-inline'; it needs no eval. Everything else stays as strict as the public site:
# scripts, styles and connections from this site only, image previews as data: and blob: URLs, its preview
# panel framing this site, the editor's embed previews framing the providers above.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "frame-src": [SELF, *EMBED_PLAYER_ORIGINS],
    }
}

# Permissions-Policy: the site needs no device, sensor, payment or ad-tracking feature; embedded players keep
# fullscreen and picture-in-picture, which the browser's defaults grant them through the iframe's `allow`. Only
# features Chromium knows: an unknown one is an error in every page's console.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Signing in: throttling, second factor, sessions ---------------------------

# django-axes counts failed sign-ins in the database (the same count for every app server and process) and,
# after LOGIN_FAILURE_LIMIT of them, refuses that username from that client address for LOGIN_LOCKOUT_MINUTES,
# right password or not. Locking the pair rather than the username alone keeps an attacker from locking a known
# staff member out from everywhere; rather than the address alone, keeps one person's typos from locking out a
# whole town hall behind one address. The address is the one rate limits use (TRUSTED_PROXY_COUNT).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "participation.views.client_for_sign_in"
# The name tried, cut to what django-axes can record, whichever sign-in form sent it (core.logins).
AXES_USERNAME_CALLABLE = "core.logins.attempted_username"
# The sign-in page itself answers, with the reason in French (429 Too Many Requests).
AXES_LOCKOUT_CALLABLE = "core.logins.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Addresses are personal data: failed attempts are kept for the lockout period only, successful sign-ins not at all.
AXES_DISABLE_ACCESS_LOG = True
WAGTAILADMIN_USER_LOGIN_FORM = "core.logins.AdminLoginForm"

# Second factor (wagtail-2fa on django-otp): TOTP apps, and one-time backup codes (the demo admin's).
WAGTAIL_2FA_REQUIRED = True

# A signed-in session lasts SESSION_MAX_HOURS at most, and ends after SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 8) * 60 * 60
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_COOKIE_HTTPONLY = True

# The public API needs no password: no HTTP Basic authentication, which would guess passwords past the second factor.
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"]}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Logging: to the console, where the process manager collects it ----------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Wagtail ------------------------------------------------------------------

WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Participation citoyenne")
# The name authenticator apps show beside the codes of this site.
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Base of the links that emails send to citizens (confirmation, appeal).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")
# The open-data API (/api/v2/) gives its links on the public address.
WAGTAILAPI_BASE_URL = PUBLIC_BASE_URL
# Open-data reusers may take up to 100 pages per request (Wagtail's default is 20).
WAGTAILAPI_LIMIT_MAX = 100
# Agents of a commune sign in here to read its internal processes.
LOGIN_URL = "connexion"
WAGTAIL_FRONTEND_LOGIN_URL = "/connexion/"
LOGIN_REDIRECT_URL = "/"
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars fetched from a third party (a hash of each staff email would leave the platform; the admin's
# Content-Security-Policy would refuse the image anyway).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Commune editors publish directly within their space: moderation applies to contributions, not to pages.
WAGTAIL_WORKFLOW_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odp", "ods", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Documents through Wagtail's serve view, where `before_serve_document` applies the rule of what the public may see.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Search: the database by default; OpenSearch or Elasticsearch for a métropole with many communes.
# The code never names a backend: switching is SEARCH_URL (+ SEARCH_BACKEND), then `manage.py update_index`.
SEARCH_URL = os.environ.get("SEARCH_URL", "")
if SEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": os.environ.get("SEARCH_BACKEND", "wagtail.search.backends.opensearch3"),
            "URLS": [SEARCH_URL],
            "INDEX_PREFIX": os.environ.get("SEARCH_INDEX_PREFIX", "participation_"),
            "TIMEOUT": 5,
            # French everywhere: the default analyzer folds case and accents, drops elisions ("l'école"), stems.
            "INDEX_SETTINGS": {
                "settings": {
                    "analysis": {
                        "filter": {
                            "french_elision": {
                                "type": "elision",
                                "articles_case": True,
                                "articles": ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu"],
                            },
                            "french_stemmer": {"type": "stemmer", "language": "light_french"},
                        },
                        "analyzer": {
                            "default": {
                                "type": "custom",
                                "tokenizer": "standard",
                                "filter": ["french_elision", "lowercase", "asciifolding", "french_stemmer"],
                            }
                        },
                    }
                }
            },
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    if DATABASE_IS_POSTGRESQL:
        # French stemming without accents: "participer" finds "participation", "ecole" finds "école".
        # The configuration is created by the search app's migration (unaccent + french_stem).
        WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] = "french_unaccent"
# Whoever searches (site, API, admin), the query reaches that backend as words, never as its syntax (search.backend).
WAGTAILSEARCH_BACKENDS["default"]["SEARCHES_WITH"] = WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]
WAGTAILSEARCH_BACKENDS["default"]["BACKEND"] = "search.backend"

# Search queries longer than this are refused with a message, not run.
SEARCH_QUERY_MAX_LENGTH = 200
SEARCH_RESULTS_PER_PAGE = 10
# Contributions matching a search are counted up to this number ("plus de 1 000" beyond) and ranked by relevance
# up to it (the newest first beyond): no search reads every match (search.contributions).
SEARCH_COUNT_LIMIT = 1000

# --- Participation ------------------------------------------------------------

# How long the link that confirms a contribution stays valid, and the one that contests a rejection.
CONTRIBUTION_CONFIRMATION_HOURS = env_int("CONTRIBUTION_CONFIRMATION_HOURS", 48)
APPEAL_LINK_DAYS = env_int("APPEAL_LINK_DAYS", 30)
# Distinct reports after which a published contribution is hidden until a moderator decides.
REPORT_THRESHOLD = env_int("REPORT_THRESHOLD", 3)
# (requests, seconds) per client, counted in the database: every worker of every app server counts together.
RATE_LIMITS = {
    "contribute": (env_int("RATE_LIMIT_CONTRIBUTIONS", 5), 600),
    "report": (env_int("RATE_LIMIT_REPORTS", 10), 600),
    "register": (env_int("RATE_LIMIT_REGISTRATIONS", 5), 600),
    "appeal": (5, 3600),
    # Following a process by email: each request without a pass emails a confirmation link.
    "follow": (env_int("RATE_LIMIT_FOLLOWS", 5), 600),
    # Comments and replies on contributions, with or without a participant pass.
    "comment": (10, 600),
    # Supporting and withdrawing (a pass holder may back many ideas in a visit), and the confirmation links a
    # visitor without a pass has emailed to an address: fewer, as each one writes to someone.
    "support": (env_int("RATE_LIMIT_SUPPORTS", 60), 600),
    "support_email": (env_int("RATE_LIMIT_SUPPORT_EMAILS", 5), 600),
    # Wagtail's "forgotten password" form: each request may email a staff member. Per client (a town hall behind
    # one address has room), and per account whatever the client (no flooding one mailbox from many addresses).
    "password_reset": (20, 3600),
    "reset_per_account": (3, 3600),
}
CONTRIBUTIONS_PER_PAGE = 10
# Personal data of contributions (pseudonym, email, unpublished text) is anonymised this many days after
# its process closes: twelve months covers the analysis, the published report and any appeal (stated in
# the demo personal-data notice). `manage.py purge_personal_data` applies it, daily.
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 365)
# Scheduled jobs (`purge_personal_data`, `notify_followers`, `sync_conventions`) change rows this many at a time,
# each batch committed on its own: no lock held for long, and a run stopped anywhere is resumed by the next one.
JOB_BATCH_SIZE = env_int("JOB_BATCH_SIZE", 2000)
# The personal link in each email (see, withdraw, erase, download one's data) stays valid this long.
DATA_RIGHTS_LINK_DAYS = env_int("DATA_RIGHTS_LINK_DAYS", 365)
# The participant pass a browser keeps once its owner confirmed an email (support, comment, follow without
# confirming each time); it names a keyed hash of the email, never the address.
PARTICIPANT_PASS_DAYS = env_int("PARTICIPANT_PASS_DAYS", 180)
PARTICIPANT_PASS_COOKIE = "participation_pass"
# How many reverse proxies (load balancer, TLS terminator) stand before the app servers: the client's
# address for rate limits is then read from X-Forwarded-For. 0: use the connection's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
