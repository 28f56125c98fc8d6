from django.apps import AppConfig


class CharterConfig(AppConfig):
    """The Métropole's legal texts (Art. 6): charter, CGU, personal data, legal notice, accessibility."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "charter"
    verbose_name = "Textes réglementaires"

    def ready(self):
        from communes.visibility import register_file_users

        from . import signals  # noqa: F401
        from .models import LegalTextVersion
        from .services import any_published

        # The files a published legal text links to are public, as the text is (its drafts' are not).
        register_file_users(LegalTextVersion, any_published)
