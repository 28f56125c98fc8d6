"""The cache of what anonymous visitors are served: a page is rendered once for all of them, until it changes.

Who is served from it (`may_be_shared`): a GET or HEAD without a session, a participant pass or a messages
cookie, without an Authorization header, outside the admin, the files and the paths of `PAGE_CACHE_EXCLUDED_PATHS`
(signed links, signing in). Everyone else gets a fresh page, marked `private, no-store` unless the view said
otherwise: what a signed-in person, a pass holder or the reader of a signed link sees is never kept.

What is kept (`_storable`): a 200 answer of HTML, JSON, XML, CSS or text that sets no cookie, about whose caching
the view said nothing (views that show a visitor's own data are `never_cache`), varying on nothing but the
cookies and the encoding, and under `PAGE_CACHE_MAX_BYTES`. It is kept gzipped (gzip only for these answers:
they hold no secret, so BREACH has nothing to guess) with a weak ETag, and answered with
`Cache-Control: public, max-age=0, s-maxage=N`: browsers ask again each time (a 304 when nothing changed, so a pass
holder never sees an old page from their browser's cache), a front cache (Varnish, nginx, a CDN) keeps it N
seconds and is purged by `purge_front_cache`.

How long:
- at most `PAGE_CACHE_SECONDS` (60 s by default): the freshness of the counters (supports, comments, seats left),
  which no event purges since each visitor's click would empty the cache during a surge;
- never past the next midnight in the site's time zone: the day is part of the key and bounds every age, so a
  convention that ends today, or a phase that opens tomorrow, shows at midnight with no job run;
- and no longer than the facts it was built from: every change that shows on public pages calls `forget`
  (`communes.caching` says which scopes an event touches), which replaces the generation tokens that entries
  recorded. An entry of a commune's space depends on the generation of everything and of its space; every other
  entry (home, search, feeds, legal texts, site map…) on the generation of everything and of the listings.

A hit costs one call to the cache (the entry and its generations in one `get_many`): no session, no database, no
other middleware. The middleware stands first: an entry is kept with the headers every other middleware gave its
page (security, Content-Security-Policy, Permissions-Policy, frames), which are the same for every anonymous
visitor; the scheme is part of the key, so a request over http never meets a page kept for https (it gets the
security middleware's redirect, which is not kept).
"""

import datetime
import gzip
import hashlib
import threading
import time
import uuid

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_vary_headers
from django.utils.http import quote_etag
from django.utils.text import compress_string

from .headers import is_admin_path

PAGE_CACHE_ALIAS = "pages"
EVERYTHING = "everything"
LISTINGS = "listings"
SPACE_PREFIX = "space:"
# What a visitor may be shown as a page of its own, from the content type of the answer.
STORABLE_TYPES = {
    "text/html",
    "text/css",
    "text/plain",
    "text/xml",
    "application/json",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
}
# Headers set afresh on each answer from the cache.
_OWN_HEADERS = {"cache-control", "content-encoding", "content-length", "etag", "vary", "set-cookie"}


def page_cache():
    return caches[PAGE_CACHE_ALIAS]


# --- Ages ------------------------------------------------------------------------------------------------------


def seconds_until_midnight(now=None):
    """Seconds until the next midnight in the site's time zone (Europe/Paris): what changes with the day
    (convention gate, phases, results) changes then."""
    local = timezone.localtime(now or timezone.now())
    midnight = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time(), local.tzinfo)
    # A day is not always 24 h (daylight saving time): count in UTC.
    return max(0, int((midnight.astimezone(datetime.UTC) - local.astimezone(datetime.UTC)).total_seconds()))


def max_age_now():
    """How long an answer rendered now may be kept: PAGE_CACHE_SECONDS, never past midnight."""
    return min(settings.PAGE_CACHE_SECONDS, seconds_until_midnight())


# --- Generations: what an event forgets ---------------------------------------------------------------------


def _generation_key(scope):
    return f"generation:{scope}"


def space_scope(slug):
    """The scope of the pages under a commune's space, whose address starts with `/<slug>/`."""
    return SPACE_PREFIX + slug


def _scopes_of(path):
    """The generations an answer at `path` may depend on (which of them it does is known once it is rendered)."""
    first_segment = path.lstrip("/").split("/", 1)[0]
    return (EVERYTHING, LISTINGS, space_scope(first_segment))


_pending = threading.local()


def forget(*scopes):
    """What the pages of `scopes` show changed: their entries are no longer served.

    Each scope's generation token is replaced now (for the rest of this transaction) and again once the
    transaction commits, for the requests that rendered the old facts in the meantime. Tokens are random: an
    entry can never match a generation that was lost (a cache emptied, a file culled) and made again.
    """
    if not scopes:
        return
    _replace_generations(scopes)
    pending = _pending.__dict__.setdefault("scopes", set())
    pending.update(scopes)
    transaction.on_commit(_replace_pending_generations)


def _replace_generations(scopes):
    page_cache().set_many({_generation_key(scope): uuid.uuid4().hex for scope in scopes}, timeout=None)


def _replace_pending_generations():
    # Several events of one transaction (a bulk moderation) replace each generation once at commit, after the
    # cached facts the pages are rendered from are forgotten (else a page rendered in between, with the old facts,
    # would be kept under the new generations).
    _forget_pending_facts()
    scopes = _pending.__dict__.pop("scopes", set())
    if scopes:
        _replace_generations(scopes)


def forget_facts_on_commit(function):
    """`function` forgets cached facts the pages are rendered from (the communes whose convention is active, the
    page tree's facts, the legal texts in force, the Métropole's identity): it runs once the transaction commits,
    before any cached page's generation is replaced, whatever order the events registered their hooks in."""
    pending = _pending.__dict__.setdefault("facts", [])
    if function not in pending:
        pending.append(function)
    transaction.on_commit(_forget_pending_facts)


def _forget_pending_facts():
    for function in _pending.__dict__.pop("facts", []):
        function()


def _ensure_generations(scopes, found):
    """The current token of each scope, made for those that have none yet (before rendering, never after)."""
    missing = [scope for scope in scopes if found.get(scope) is None]
    if missing:
        cache = page_cache()
        for scope in missing:
            cache.add(_generation_key(scope), uuid.uuid4().hex, timeout=None)
        made = cache.get_many([_generation_key(scope) for scope in missing])
        found = {**found, **{scope: made.get(_generation_key(scope)) for scope in missing}}
    return found


# --- Front cache (wagtail.contrib.frontend_cache) -----------------------------------------------------------

_listing_paths = []


def register_listing_paths(paths):
    """Declare `paths()` (a callable returning paths of the site): the listings a front cache is purged of
    whenever a page changes (home, search, feeds, sitemap…). Each app declares its own."""
    _listing_paths.append(paths)


def listing_paths():
    return {path for paths in _listing_paths for path in paths()}


def public_url(path):
    """A path on the public address, the one a front cache keys its entries on."""
    return settings.PUBLIC_BASE_URL + path


def purge_front_cache(urls):
    """Purge `urls` from the front cache (`WAGTAILFRONTENDCACHE`), once the transaction commits.

    Several events of one transaction purge each URL once. Addresses with a query string (`?page=3`, a search)
    cannot be listed: they expire with their `s-maxage`.
    """
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    _pending.__dict__.setdefault("urls", set()).update(urls)
    transaction.on_commit(_purge_pending_urls)


def _purge_pending_urls():
    from wagtail.contrib.frontend_cache.utils import PurgeBatch

    urls = _pending.__dict__.pop("urls", set())
    if urls:
        PurgeBatch(sorted(urls)).purge()


# --- Who may be served from the cache -------------------------------------------------------------------------


def personal_cookies():
    """Cookies that make a visitor's page their own: signed in, a participant pass, a message shown once."""
    return (settings.SESSION_COOKIE_NAME, settings.PARTICIPANT_PASS_COOKIE, CookieStorage.cookie_name)


def may_be_shared(request):
    """Whether `request` may be answered with the page every anonymous visitor gets."""
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
        return False
    if "authorization" in request.headers or any(name in request.COOKIES for name in personal_cookies()):
        return False
    path = request.path_info
    excluded = (*settings.PAGE_CACHE_EXCLUDED_PATHS, settings.MEDIA_URL, settings.STATIC_URL)
    return not is_admin_path(path) and not path.startswith(excluded)


def _entry_key(request):
    try:
        url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    except DisallowedHost:
        return None
    digest = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
    return f"page:{timezone.localdate().isoformat()}:{digest}"


def _storable(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Cache-Control") or response.has_header("Content-Encoding"):
        return False
    if response.has_header("Content-Disposition"):
        return False
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}
    if not vary <= {"cookie", "accept-encoding"}:
        return False
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in STORABLE_TYPES or len(response.content) > settings.PAGE_CACHE_MAX_BYTES:
        return False
    if getattr(request, "page_cache_refused", False):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def never_shared(response):
    """What was not served from the cache nor kept in it: no shared cache may keep it either."""
    if not response.has_header("Cache-Control"):
        add_never_cache_headers(response)
    return response


class Entry:
    """An answer kept for every anonymous visitor: its headers, its gzipped body, what it depends on."""

    def __init__(self, response, depends_on, generations, max_age):
        self.status = response.status_code
        self.headers = [(name, value) for name, value in response.items() if name.lower() not in _OWN_HEADERS]
        content = response.content
        # Weak: the gzipped and the plain bodies are the same page.
        self.etag = "W/" + quote_etag(hashlib.sha256(content).hexdigest()[:32])
        self.gzipped = compress_string(content)
        self.depends_on = depends_on
        self.generations = {scope: generations[scope] for scope in depends_on}
        self.expires_at = time.time() + max_age

    def is_current(self, generations):
        return all(generations.get(scope) == token for scope, token in self.generations.items())

    def response(self, request):
        """The kept answer, gzipped if the client accepts it, or a 304 if the client holds it already."""
        response = HttpResponse(status=self.status)
        for name, value in self.headers:
            response[name] = value
        return self.served(request, response)

    def served(self, request, response):
        """`response` (this entry's answer, fresh or rebuilt) with the body and headers every visitor gets."""
        if _accepts_gzip(request):
            response.content = self.gzipped
            response["Content-Encoding"] = "gzip"
        elif not response.content:
            response.content = gzip.decompress(self.gzipped)
        response["Content-Length"] = str(len(response.content))
        response["ETag"] = self.etag
        shared_for = max(0, min(int(self.expires_at - time.time()), seconds_until_midnight()))
        response["Cache-Control"] = f"public, max-age=0, s-maxage={shared_for}"
        patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
        return get_conditional_response(request, etag=self.etag, response=response) or response


def _accepts_gzip(request):
    return "gzip" in request.headers.get("accept-encoding", "").lower()


class AnonymousPageCacheMiddleware:
    """Serves anonymous visitors from the page cache; keeps what may be kept (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PAGE_CACHE_SECONDS <= 0:  # turned off: the pages as the views make them
            return self.get_response(request)
        key = _entry_key(request) if may_be_shared(request) else None
        if key is None:
            return never_shared(self.get_response(request))
        scopes = _scopes_of(request.path_info)
        found = page_cache().get_many([key, *(_generation_key(scope) for scope in scopes)])
        generations = {scope: found.get(_generation_key(scope)) for scope in scopes}
        entry = found.get(key)
        if entry is not None and entry.is_current(generations):
            return entry.response(request)
        generations = _ensure_generations(scopes, generations)
        response = self.get_response(request)
        if not _storable(request, response):
            return never_shared(response)
        max_age = max_age_now()
        if getattr(request, "page_cache_space", False):
            depends_on = (EVERYTHING, scopes[2])
        else:
            depends_on = (EVERYTHING, LISTINGS)
        entry = Entry(response, depends_on, generations, max_age)
        if max_age > 0 and all(generations[scope] for scope in depends_on):
            page_cache().set(key, entry, timeout=max_age)
        return entry.served(request, response)


def drawn_for_this_visitor(request):
    """The page at hand holds something drawn for this visitor alone (a random order): never kept for others."""
    request.page_cache_refused = True


def mark_as_space_page(request):
    """The page at hand belongs to the commune space its address starts with: its entry depends on that space only
    (and on everything), not on every listing of the site."""
    request.page_cache_space = True
