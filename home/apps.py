from django.apps import AppConfig


class HomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
    verbose_name = "Portail"

    def ready(self):
        from wagtail.models import ReferenceIndex

        from communes.visibility import register_file_users

        from .models import MetropoleSettings

        # The Métropole's logo heads every public page: Wagtail's reference index tells which image it is.
        ReferenceIndex.register_model(MetropoleSettings)
        register_file_users(MetropoleSettings, lambda ids, visitor: True)
