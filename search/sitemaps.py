"""/sitemap.xml and /robots.txt: the public pages (behind the same gate as the site) and the legal texts in force."""

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap

from charter.services import current_versions
from communes.visibility import public_pages


class PublicPagesSitemap(WagtailSitemap):
    """Wagtail's sitemap of the site's pages, less what the public may not see."""

    def items(self):
        return public_pages(super().items())


class LegalTextsSitemap(DjangoSitemap):
    """The version in force of each legal text, at /<kind>/."""

    def items(self):
        return sorted(current_versions().values(), key=lambda version: version.kind)

    def location(self, version):
        return reverse("charter:current", args=[version.kind])

    def lastmod(self, version):
        return version.effective_on


SITEMAPS = {"pages": PublicPagesSitemap, "textes": LegalTextsSitemap}


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        # Personal links (confirmation, data rights) live there.
        "Disallow: /participation/",
        # Endless combinations of queries and filters: the sitemap lists every public page instead.
        "Disallow: /recherche/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
