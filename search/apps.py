from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    verbose_name = "Recherche"

    def ready(self):
        from core.pagecache import register_listing_paths

        register_listing_paths(listing_paths)


def listing_paths():
    """What a front cache is purged of whenever a page changes: the search, the site maps and the feeds."""
    from django.urls import reverse

    from communes.models import CommuneSpacePage

    paths = [reverse(name) for name in ("search", "sitemap", "site_map", "feeds:rss", "feeds:atom")]
    for slug in CommuneSpacePage.objects.values_list("slug", flat=True):
        paths += [reverse("feeds:commune_rss", args=[slug]), reverse("feeds:commune_atom", args=[slug])]
    return paths
