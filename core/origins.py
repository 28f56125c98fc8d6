"""Public forms refuse requests sent from another site, without a token per visitor (as Go 1.25's
net/http CrossOriginProtection).

The public pages are the same for every anonymous visitor and kept in a cache (`core.pagecache`): they can carry
no CSRF token and set no cookie. Their forms (contribution, support, comment, follow, report, questionnaire, meeting
registration, the pages of the links sent by email, the personal page), whoever sends them, a participant pass
holder or a signed-in agent included, are protected by where the request comes from, which browsers say:

1. `Sec-Fetch-Site` (every current browser): `same-origin` or `none` (typed, a bookmark) passes; `same-site` and
   `cross-site` are refused, unless the `Origin` is one of `CSRF_TRUSTED_ORIGINS`;
2. else `Origin` (older browsers): the request's own scheme and host, or one of `CSRF_TRUSTED_ORIGINS`;
3. else, over https, `Referer`: a page of the site's own scheme and host, or of a trusted origin;
4. none of them: over https, refused, as Django refuses a request without a Referer there (a very old browser
   whose page of another site hid its Referer could otherwise forge a visitor's request, and hand them someone
   else's participant pass); over plain http (a developer's machine), it passes.

`CSRF_TRUSTED_ORIGINS` is read as Django reads it: exact origins, and `https://*.example.fr` for the subdomains.
Refusals are logged at WARNING with what the browser said, as Django's CSRF failures are.

The admin, the sign-in page and the forms of signed-in people keep Django's CSRF tokens (`CsrfViewMiddleware`).
"""

import functools
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseForbidden
from django.utils.http import is_same_domain
from django.views.decorators.csrf import csrf_exempt

from .outage import render_error_page

logger = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _trusted(origin):
    """Is `origin` one of CSRF_TRUSTED_ORIGINS, exactly or under one of its `*.` wildcards (as Django reads it)?"""
    if not origin:
        return False
    scheme, netloc = urlsplit(origin)[:2]
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if trusted == origin:
            return True
        trusted_scheme, trusted_netloc = urlsplit(trusted)[:2]
        if "*" in trusted_netloc and scheme == trusted_scheme and is_same_domain(netloc, trusted_netloc[1:]):
            return True
    return False


def _own_origin(request):
    return f"{request.scheme}://{request.get_host()}"


def _origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_cross_origin(request):
    """Whether a browser sent `request` from a page of another site (the rule of the module docstring)."""
    if request.method in SAFE_METHODS:
        return False
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none") and not _trusted(origin)
    if origin is not None:
        return origin != _own_origin(request) and not _trusted(origin)
    if not request.is_secure():
        return False
    referer = request.headers.get("referer")
    if referer is None:
        return True
    return _origin_of(referer) != _own_origin(request) and not _trusted(_origin_of(referer))


def cross_origin_refusal(request):
    """A French 403: nothing was recorded."""
    logger.warning(
        "Form refused (sent from another site, or saying nothing of where it comes from) on %s: "
        "Sec-Fetch-Site %r, Origin %r, Referer %r",
        request.path,
        request.headers.get("sec-fetch-site"),
        request.headers.get("origin"),
        request.headers.get("referer"),
    )
    response = render_error_page("403_cross_origin.html", HttpResponseForbidden)
    response["Cache-Control"] = "no-store"
    return response


def public_form(view):
    """A public view whose POSTs are checked by origin, not by Django's CSRF token (module docstring)."""

    @functools.wraps(view)
    def checked_view(request, *args, **kwargs):
        if is_cross_origin(request):
            return cross_origin_refusal(request)
        return view(request, *args, **kwargs)

    checked_view.checks_origin = True
    return csrf_exempt(checked_view)
