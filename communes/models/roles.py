from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class CommuneRole(models.TextChoices):
    EDITORS = "editors", _("Éditeurs")
    MODERATORS = "moderators", _("Modérateurs")
    AGENTS = "agents", _("Agents")


class CommuneGroup(models.Model):
    """The groups that give people a role in one commune (editors, moderators, agents)."""

    commune = models.ForeignKey("communes.Commune", on_delete=models.CASCADE, related_name="groups")
    role = models.CharField(_("rôle"), max_length=20, choices=CommuneRole.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="commune_role")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commune", "role"], name="one_group_per_commune_role")]
        verbose_name = _("groupe de commune")
        verbose_name_plural = _("groupes de commune")

    def __str__(self):
        return self.group.name
