"""When a service the site stands on is down: a French 503 that says so, not a 500 that blames the site.

Django calls the `handler500` view from inside the `except` block that caught the error, so the error is still
at hand: a lost database connection (PostgreSQL restarting, a failover) answers 503 with `Retry-After`, which
tells the citizen that nothing was recorded and when to try again, and tells a front cache or a load balancer
that the condition is temporary. Every other error keeps the ordinary 500 page. Both pages are rendered without
the database.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30
OUTAGES = (OperationalError, InterfaceError)


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
        return django_server_error(request)
    logger.warning("Service unavailable while serving %s: %s", request.path, error)
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
