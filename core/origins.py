"""Public forms refuse requests sent from another site, without a token per visitor (as Go 1.25's
net/http CrossOriginProtection).

The public pages are the same for every anonymous visitor and kept in a cache (`core.pagecache`): they can carry
no CSRF token and set no cookie. Their forms (contribution, support, comment, follow, report, questionnaire, meeting
registration, the pages of the links sent by email, the personal page), whoever sends them, a participant pass
holder or a signed-in agent included, are protected by where the request comes from, which browsers say:

1. `Sec-Fetch-Site` (every current browser): `same-origin` or `none` (typed, a bookmark) passes; `same-site` and
   `cross-site` are refused, unless the `Origin` is one of `CSRF_TRUSTED_ORIGINS`;
2. else `Origin` (older browsers): the request's own host, or one of `CSRF_TRUSTED_ORIGINS`;
3. else, over https, `Referer`: a page of the site's own host, or of a trusted origin;
4. none of them: not a browser (a script, a mail client's one-click request), which holds no visitor's cookie
   and cannot be made to forge their request: it passes.

The admin, the sign-in page and the forms of signed-in people keep Django's CSRF tokens (`CsrfViewMiddleware`).
"""

import functools
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt

from .outage import render_error_page

logger = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def _trusted(origin):
    return origin in settings.CSRF_TRUSTED_ORIGINS


def is_cross_origin(request):
    """Whether a browser sent `request` from a page of another site (the rule of the module docstring)."""
    if request.method in SAFE_METHODS:
        return False
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none") and not _trusted(origin)
    if origin is not None:
        return urlsplit(origin).netloc != request.get_host() and not _trusted(origin)
    referer = request.headers.get("referer")
    if referer is not None and request.is_secure():
        parts = urlsplit(referer)
        return parts.netloc != request.get_host() and not _trusted(f"{parts.scheme}://{parts.netloc}")
    return False


def cross_origin_refusal(request):
    """A French 403: nothing was recorded."""
    logger.info("Form refused (sent from another site) on %s", request.path)
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
