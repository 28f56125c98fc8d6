from django.apps import AppConfig


class CommunesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "communes"
    verbose_name = "Communes"

    def ready(self):
        from core.exports import neutralise_wagtail_exports
        from core.pagecache import register_listing_paths

        from . import caching, checks, signals  # noqa: F401
        from .admin.tags import scope_popular_tags
        from .policies import register_policies

        register_policies()
        register_listing_paths(caching.commune_listing_paths)
        scope_popular_tags()
        # Wagtail's spreadsheet exports (form submissions, reports) write cells as every export does.
        neutralise_wagtail_exports()
