"""/sitemap.xml, /robots.txt and the site map page /plan-du-site/: the public pages (behind the same gate as the
site) and the legal texts in force."""

from dataclasses import dataclass, field

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps import Sitemap as WagtailSitemap
from wagtail.models import Page, Site

from charter.models import LegalTextKind
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


@dataclass
class Branch:
    """A page of the site map and the pages under it."""

    page: Page
    children: list = field(default_factory=list)


def public_page_tree(root):
    """The public pages under `root` (its communes' spaces, their processes...), nested as in the page tree."""
    branches = {root.path: Branch(root)}
    for page in public_pages(root.get_descendants()).order_by("path"):
        parent = branches.get(page.path[: -Page.steplen])
        # A page whose parent is not public is not public either (the gate hides whole subtrees).
        if parent is not None:
            branches[page.path] = Branch(page)
            parent.children.append(branches[page.path])
    return branches[root.path].children


@require_GET
def site_map(request):
    """/plan-du-site/: a second way through the site (RGAA 12.1), by the rule every listing follows."""
    site = Site.find_for_request(request)
    texts = sorted(current_versions().values(), key=lambda version: LegalTextKind.values.index(version.kind))
    context = {
        "branches": public_page_tree(site.root_page) if site else [],
        "texts_in_force": [
            (version.get_kind_display(), reverse("charter:current", args=[version.kind])) for version in texts
        ],
    }
    return TemplateResponse(request, "search/site_map.html", context)
