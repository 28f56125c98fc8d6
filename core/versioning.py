"""Versioned texts (the règlement, the legal texts): once published, a version is final."""

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail.admin import messages


class FinalOncePublishedMixin:
    """A published version cannot be changed: a correction is a new version (Art. 6 and 10).

    For models with DraftStateMixin and a `number`; `version_siblings()` gives
    the versions that share the numbering (all of them by default).
    """

    def version_siblings(self):
        return type(self)._default_manager.all()

    def next_version_number(self):
        return (self.version_siblings().aggregate(Max("number"))["number__max"] or 0) + 1

    def clean(self):
        super().clean()
        if self.pk and self.first_published_at:
            raise ValidationError(
                _("La version %(number)s a été publiée : elle ne peut plus être modifiée. Créez une nouvelle version.")
                % {"number": self.number}
            )


def keep_published_versions_public(request, instance):
    """A `before_unpublish` hook: a published version stays public, its history is part of it (Art. 6 and 10)."""
    if isinstance(instance, FinalOncePublishedMixin) and instance.first_published_at:
        messages.error(
            request,
            _("Une version publiée reste publique : pour la remplacer, publiez une nouvelle version."),
        )
        return redirect(request.META.get("HTTP_REFERER") or "wagtailadmin_home")
    return None
