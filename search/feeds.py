"""RSS 2.0 and Atom feeds of the open processes, site-wide and per commune, behind the same gate as the site.

A process's results ("Ce que nous avons fait de vos contributions") are an item too, from the day they are
published (issue 14), whatever the state of the process.

A handful of queries per feed, whatever the number of processes: the commune name and the closing date come
from `ProcessPage.objects.listed()` annotations, the themes are prefetched.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from communes.models import CommuneSpacePage
from core.identity import metropole_identity
from core.typography import french_date
from participation.models import ProcessPage


def site_name(request):
    identity = metropole_identity(request)
    return getattr(identity, "name", "") or settings.WAGTAIL_SITE_NAME


@dataclass(frozen=True)
class PublishedResults:
    """A feed item: the results of a process, published."""

    process: ProcessPage

    def __getattr__(self, name):
        return getattr(self.process, name)


RESULTS_SUMMARY_WORDS = 60


class OpenProcessesFeed(Feed):
    """The processes open today on the whole site (RSS 2.0)."""

    feed_type = Rss201rev2Feed
    language = "fr"
    url_name = "feeds:rss"

    def __call__(self, request, *args, **kwargs):
        # One instance per request (see `feed_view`): the methods below may read the request.
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return None

    def title(self, space):
        return _("Démarches ouvertes – %(site)s") % {"site": site_name(self.request)}

    def description(self, space):
        return _("Les démarches participatives ouvertes en ce moment dans les communes de %(site)s.") % {
            "site": site_name(self.request)
        }

    def link(self, space):
        return "/"

    def feed_url(self, space):
        return reverse(self.url_name)

    def items(self, space):
        today = timezone.localdate()
        processes = ProcessPage.objects.listed().open_on(today)
        results = ProcessPage.objects.listed().with_published_results(today)
        if space is not None:
            processes = processes.child_of(space)
            results = results.child_of(space)
        opened = processes.prefetch_related("themes").order_by("-first_published_at", "pk")
        decided = results.prefetch_related("themes").order_by("-results_published_on", "pk")
        return [*opened, *(PublishedResults(process) for process in decided)]

    def item_title(self, process):
        if isinstance(process, PublishedResults):
            return _("Résultats – %(commune)s : %(title)s") % {"commune": process.commune_name, "title": process.title}
        return _("%(commune)s : %(title)s") % {"commune": process.commune_name, "title": process.title}

    def item_description(self, process):
        if isinstance(process, PublishedResults):
            published = _("Ce que nous avons fait de vos contributions, publié le %(day)s.") % {
                "day": french_date(process.results_published_on)
            }
            text = Truncator(strip_tags(process.results)).words(RESULTS_SUMMARY_WORDS)
            return f"{published} {text}"
        until = _("Jusqu'au %(day)s.") % {"day": french_date(process.closes_on)}
        return f"{process.summary} {until}" if process.summary else until

    def item_link(self, process):
        if isinstance(process, PublishedResults):
            return process.process.get_full_url(self.request) + "#resultats"
        return process.get_full_url(self.request)

    def item_pubdate(self, process):
        if isinstance(process, PublishedResults):
            start_of_day = datetime.datetime.combine(process.results_published_on, datetime.time())
            return timezone.make_aware(start_of_day)
        return process.first_published_at

    def item_updateddate(self, process):
        if isinstance(process, PublishedResults):
            return self.item_pubdate(process)
        return process.last_published_at

    def item_author_name(self, process):
        return process.commune_name

    def item_categories(self, process):
        return [theme.name for theme in process.themes.all()]


class OpenProcessesAtomFeed(OpenProcessesFeed):
    feed_type = Atom1Feed
    url_name = "feeds:atom"

    def subtitle(self, space):
        return self.description(space)


class CommuneOpenProcessesFeed(OpenProcessesFeed):
    """The processes open today in one commune; 404 while the commune's space is not listed."""

    url_name = "feeds:commune_rss"

    def get_object(self, request, slug):
        space = CommuneSpacePage.objects.listed().filter(commune__slug=slug).first()
        if space is None:
            raise Http404(_("Aucun espace participatif ouvert à cette adresse."))
        return space

    def title(self, space):
        return _("Démarches ouvertes – %(commune)s – %(site)s") % {
            "commune": space.commune.name,
            "site": site_name(self.request),
        }

    def description(self, space):
        return _("Les démarches participatives ouvertes en ce moment – %(commune)s.") % {"commune": space.commune.name}

    def link(self, space):
        return space.get_url(self.request)

    def feed_url(self, space):
        return reverse(self.url_name, args=[space.commune.slug])

    def item_title(self, process):
        if isinstance(process, PublishedResults):
            return _("Résultats : %(title)s") % {"title": process.title}
        return process.title


class CommuneOpenProcessesAtomFeed(CommuneOpenProcessesFeed):
    feed_type = Atom1Feed
    url_name = "feeds:commune_atom"

    def subtitle(self, space):
        return self.description(space)


def feed_view(feed_class):
    def view(request, *args, **kwargs):
        return feed_class()(request, *args, **kwargs)

    return view


app_name = "feeds"
urlpatterns = [
    path("rss/", feed_view(OpenProcessesFeed), name="rss"),
    path("atom/", feed_view(OpenProcessesAtomFeed), name="atom"),
    path("<slug:slug>/rss/", feed_view(CommuneOpenProcessesFeed), name="commune_rss"),
    path("<slug:slug>/atom/", feed_view(CommuneOpenProcessesAtomFeed), name="commune_atom"),
]
