"""Finding the page a URL names in one query, and the ancestors on the way for the breadcrumb.

Wagtail routes a request level by level: each page looks up its child by slug, then loads that child's own type
(two queries per level, six for a questionnaire). The site's root page, with `RouteInOneQueryMixin`, reads every
page the path may name in one query (by depth and slug, under the root), chains them by their tree paths, and
hands the rest of the URL to the first page whose type routes differently (a routable page's sub-views), exactly
where Wagtail's own routing would have.
"""

from django.db.models import Q
from django.http import Http404
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page


def _routes_to_a_child(page, remaining):
    """Would this page's own route hand `remaining` to a child, as Wagtail's base page does? Read from its type, no
    query: a routable page keeps a path its sub-views resolve (when live), and looks for a child otherwise."""
    specific_class = page.specific_class
    if specific_class is None:
        return False
    if issubclass(specific_class, RoutablePageMixin) and specific_class.route is RoutablePageMixin.route:
        if not page.live:
            return True
        try:
            specific_class.get_resolver().resolve("/" + "/".join(remaining) + "/")
        except Http404:
            return True
        return False
    return specific_class.route is Page.route


class RouteInOneQueryMixin:
    """For the site's root page: the pages of a URL in one query, then the one served in its own type."""

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        levels = Q()
        for offset, slug in enumerate(path_components, start=1):
            levels |= Q(depth=self.depth + offset, slug=slug)
        candidates = Page.objects.filter(levels, path__startswith=self.path).order_by("path")
        chain, parent, remaining = [self], self, list(path_components)
        by_place = {(page.path[: -Page.steplen], page.slug): page for page in candidates}
        while remaining:
            child = by_place.get((parent.path, remaining[0]))
            if child is None:
                raise Http404
            child._cached_parent_obj = parent
            remaining = remaining[1:]
            chain.append(child)
            parent = child
            if remaining and not _routes_to_a_child(child, remaining):
                break  # its own route reads the rest of the URL (a sub-view, or a child it finds itself)
        page = parent.specific
        page._route_ancestors = chain[:-1]
        return page.route(request, remaining)


def breadcrumb_ancestors(page):
    """The ancestors a breadcrumb shows (the site's root page first, never the tree's root): read while routing,
    else from the tree."""
    ancestors = getattr(page, "_route_ancestors", None)
    if ancestors is None:
        return list(page.get_ancestors().filter(depth__gt=1))
    return [ancestor for ancestor in ancestors if ancestor.depth > 1]
