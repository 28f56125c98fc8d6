from django.apps import AppConfig


class CharterConfig(AppConfig):
    """The Métropole's legal texts (Art. 6): charter, CGU, personal data, legal notice, accessibility."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "charter"
    verbose_name = "Textes réglementaires"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import published, unpublished

        from communes.visibility import register_file_users
        from core.pagecache import register_listing_paths

        from . import signals  # noqa: F401
        from .models import LegalTextVersion
        from .services import any_published

        # The files a published legal text links to are public, as the text is (its drafts' are not).
        register_file_users(LegalTextVersion, any_published)
        # Every page's footer names the texts' versions in force: a version published or withdrawn, however
        # (admin, publish_scheduled, a script), is forgotten by every cached page.
        for signal in (published, unpublished, post_save, post_delete):
            signal.connect(legal_texts_changed, sender=LegalTextVersion, dispatch_uid=f"legal_texts_{id(signal)}")
        register_listing_paths(legal_text_paths)


def legal_texts_changed(sender, raw=False, **kwargs):
    from communes.caching import forget_everything

    if not raw:
        forget_everything()


def legal_text_paths():
    from django.urls import reverse

    from communes.models import Commune

    from .models import LegalTextKind

    paths = [reverse(name, args=[kind]) for kind in LegalTextKind for name in ("charter:current", "charter:history")]
    # Each commune's privacy notice answers only while its space is online: purged with the listings.
    slugs = Commune.objects.values_list("slug", flat=True)
    return paths + [reverse("charter:privacy_for_commune", args=[slug]) for slug in slugs]
