from django.apps import AppConfig


class CharterConfig(AppConfig):
    """The Métropole's legal texts (Art. 6): charter, CGU, personal data, legal notice, accessibility."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "charter"
    verbose_name = "Textes réglementaires"
