"""The request being served, at hand for code that Wagtail calls without it (rich text converters, tag filters).

Those answers depend on who asks (which pages and tags the user may see); Wagtail does not pass the request down
to them. The middleware sets it for the time of one request; outside a request there is none, and the callers
answer as for an anonymous visitor.
"""

from contextvars import ContextVar

_current_request = ContextVar("current_request", default=None)


class CurrentRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_user():
    """The signed-in user of the request being served, or None."""
    user = getattr(_current_request.get(), "user", None)
    return user if user is not None and user.is_authenticated else None
