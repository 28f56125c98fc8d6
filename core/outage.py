"""When a service the site stands on is down: a French 503 that says so, not a 500 that blames the site.

Django calls the `handler500` view from inside the `except` block that caught the error, so the error is still
at hand: a lost database connection (PostgreSQL restarting, a failover) answers 503 with `Retry-After`, which
tells the citizen that nothing was recorded and when to try again, and tells a front cache or a load balancer
that the condition is temporary. Every other error keeps the ordinary 500 page. Both pages are rendered without
the database, with the site's identity and its accessibility mention (`error_page_context`).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from wagtail import hooks

from .identity import remembered_site_name

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30
OUTAGES = (OperationalError, InterfaceError)
# Apps above add what every error page shows (the accessibility mention) through this hook: a function of no
# argument returning a dict, which must read neither the request nor the database.
ERROR_PAGE_CONTEXT_HOOK = "error_page_context"


def error_page_context():
    """The site's identity and what the apps add, for the error pages: read without the database (it may be down)."""
    context = {"site_name": remembered_site_name()}
    for provide in hooks.get_hooks(ERROR_PAGE_CONTEXT_HOOK):
        try:
            context.update(provide())
        except Exception:  # noqa: BLE001 - the error page renders whatever a provider does
            logger.exception("Error page context provider %r failed", provide)
    return context


def render_error_page(template_name, response_class, **context):
    return response_class(loader.get_template(template_name).render({**error_page_context(), **context}))


def is_outage(error):
    """Whether `error` (or what caused it) says a service is unreachable rather than that our code is wrong."""
    while error is not None:
        if isinstance(error, OUTAGES):
            return True
        error = error.__cause__ or error.__context__
    return False


@requires_csrf_token
def server_error(request):
    error = sys.exc_info()[1]
    if not is_outage(error):
        return render_error_page("500.html", HttpResponseServerError)
    logger.warning("Service unavailable while serving %s: %s", request.path, error)
    response = render_error_page("503.html", HttpResponse)
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def bad_request(request, exception):
    """Django's 400 (a host the site does not serve, a suspicious request): the same frame, no request read."""
    return render_error_page("400.html", HttpResponseBadRequest)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its security cookie (cookies cleared or blocked, the browser restarted
    while the form was open) answers a page of the site in French that says what to do, not Django's English one."""
    logger.info("Form refused (CSRF) on %s: %s", request.path, reason)
    response = render_error_page("403_csrf.html", HttpResponseForbidden)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def permission_denied(request, exception):
    return render_error_page("403.html", HttpResponseForbidden)
