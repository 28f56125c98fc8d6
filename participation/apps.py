from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    """Participatory processes under the commune spaces, and later the citizens' contributions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "participation"
    verbose_name = "Participation"
