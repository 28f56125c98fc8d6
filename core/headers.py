"""Response headers that depend on where a request goes or who makes it.

- The Content-Security-Policy: the strict policy of `CONTENT_SECURITY_POLICY` on the public site, the admin's
  own (`ADMIN_CONTENT_SECURITY_POLICY`) under Wagtail's admin prefix, where Wagtail's views, the project's admin
  views and wagtail-2fa's pages live. A view may still set its own policy with django-csp's decorators.
- Cache-Control: a page served to a signed-in person may hold what only they may see (an internal process, a
  draft in preview): it is never stored, unless the view said how it may be cached.
"""

from functools import cache

from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings
from django.urls import reverse
from django.utils.cache import add_never_cache_headers


@cache
def admin_prefix():
    """The path under which Wagtail's admin answers ("/admin/")."""
    return reverse("wagtailadmin_home")


def is_admin_path(path):
    return path.startswith(admin_prefix())


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy for every path under the admin prefix."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and is_admin_path(request.path_info):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts


class PrivateWhenSignedInMiddleware:
    """`Cache-Control: private, no-store` on what a signed-in person is served, if the view set no Cache-Control."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Without a session cookie nobody is signed in: the session is not even read (no `Vary: Cookie` added).
        if response.has_header("Cache-Control") or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
