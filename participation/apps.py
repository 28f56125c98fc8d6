from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    """Participatory processes under the commune spaces, the citizens' contributions and their moderation."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "participation"
    verbose_name = "Participation"

    def ready(self):
        from . import signals
        from .permissions import register_policies
        from .services import supports  # noqa: F401 - registers the action a support link confirms

        register_policies()
        signals.declare_to_communes()
