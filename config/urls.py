from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.decorators.cache import never_cache
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.views import account
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from communes import serving
from communes import views as communes_views
from communes.admin import scoping
from communes.checks import serves_media_here
from core.logins import AgentLoginView, session_urlpatterns
from core.logins import admin_urlpatterns as login_admin_urlpatterns
from core.origins import public_form
from participation.views import password_reset_account, throttled
from search import feeds
from search import views as search_views
from search.api import api_router
from search.sitemaps import SITEMAPS, robots_txt, site_map


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: the site's icon, never a 404."""
    return redirect(static("favicon.svg"))


urlpatterns = [
    # Wagtail admin endpoints that name objects by id, asking each model's permission policy first; never stored,
    # like the rest of Wagtail's admin.
    path("admin/", include(decorate_urlpatterns(scoping.urlpatterns, never_cache))),
    # The second factor's code page (a wrong code counts toward throttling), its QR code and device removal, over
    # wagtail-2fa's.
    path("admin/", include(decorate_urlpatterns(login_admin_urlpatterns, never_cache))),
    # Wagtail's "forgotten password" form (each request may email the account), rate-limited per client and per
    # account; never stored, like the rest of Wagtail's admin.
    path(
        "admin/password_reset/",
        never_cache(
            throttled("password_reset")(
                throttled("reset_per_account", by=password_reset_account)(account.PasswordResetView.as_view())
            )
        ),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("recherche/", search_views.search, name="search"),
    # Open data, sitemap and feeds: the same gate as the site (communes.visibility.public_pages).
    path("api/v2/", api_router.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("plan-du-site/", site_map, name="site_map"),
    path("favicon.ico", favicon, name="favicon"),
    # The communes' colours, as CSS: the Content-Security-Policy allows no style attribute.
    path("communes.css", communes_views.brand_colours, name="commune_colours"),
    path("flux/", include((feeds.urlpatterns, feeds.app_name))),
    path("participation/", include("participation.urls")),
    # Agents sign in here; failed attempts are throttled by django-axes like the admin's.
    path("connexion/", AgentLoginView.as_view(), name="connexion"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    # How long a signed-in session has left, and "Rester connecté" (static/js/session.js).
    path("connexion/", include(session_urlpatterns)),
    path("", include("charter.urls")),
]

# Uploaded images and documents go through the app, to those who may see them (communes.serving).
if serves_media_here():
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", serving.serve_media))

# Wagtail's page serving comes last: it answers every other path. The pages' forms (contribution, support, comment,
# follow, report, meeting registration, questionnaire) are public forms, checked by origin rather than by a CSRF
# token, so that the pages carry none and can be cached (core.origins); Wagtail's own sign-in keeps its token.
decorate_urlpatterns([p for p in wagtail_urls.urlpatterns if getattr(p, "name", None) == "wagtail_serve"], public_form)
urlpatterns.append(path("", include(wagtail_urls)))

# A database that cannot be reached answers a French 503 with Retry-After; any other error, the 500 page.
handler500 = "core.outage.server_error"
# Django's own 400 (e.g. a host the site does not serve): the error frame, read without the request.
handler400 = "core.outage.bad_request"
handler403 = "core.outage.permission_denied"
