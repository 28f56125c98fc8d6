from django.apps import AppConfig


class HomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
    verbose_name = "Portail"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import ReferenceIndex

        from communes.visibility import register_file_users

        from .models import MetropoleSettings

        # The Métropole's logo heads every public page: Wagtail's reference index tells which image it is.
        ReferenceIndex.register_model(MetropoleSettings)
        register_file_users(MetropoleSettings, lambda ids, visitor: True)
        # The Métropole's name, logo and contacts head and foot every page: a change is forgotten by every cached
        # page.
        for signal in (post_save, post_delete):
            signal.connect(metropole_changed, sender=MetropoleSettings, dispatch_uid=f"metropole_{id(signal)}")


def metropole_changed(sender, raw=False, **kwargs):
    from communes.caching import forget_everything

    if not raw:
        forget_everything()
