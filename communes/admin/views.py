"""Admin views of the conventions: recording how one ended, and acknowledging a new règlement."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ..forms import RevocationForm, TerminationForm
from ..models import CommuneRole, Convention, ConventionTextNotification
from ..roles import commune_ids_for
from ..services import acknowledge_notification, record_revocation, record_termination

CONVENTION_ADMIN_NAMESPACE = "wagtailsnippets_communes_convention"


class RecordConventionEndView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """An explicit action with its own form: the end of a convention is never a field edited by hand."""

    model = Convention
    permission_required = "change"
    template_name = "communes/admin/record_convention_end.html"
    header_icon = "warning"

    def setup(self, request, *args, pk, **kwargs):
        super().setup(request, *args, **kwargs)
        self.convention = get_object_or_404(Convention.objects.select_related("commune"), pk=pk)

    def get_page_subtitle(self):
        return str(self.convention)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            convention=self.convention,
            status=self.convention.status_on(),
            action_url=self.request.path,
            submit_button_label=self.submit_button_label,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            unpublished = self.record(form.cleaned_data)
        except ValidationError as error:
            # The service's error keys are the form's field names.
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            self.success_message % {"commune": self.convention.commune}
            + " "
            + _("%(count)s page(s) retirée(s) du site, conservée(s) avec leurs révisions.") % {"count": unpublished},
        )
        return redirect(reverse(f"{CONVENTION_ADMIN_NAMESPACE}:edit", args=[self.convention.pk]))

    def form_invalid(self, form):
        messages.validation_error(self.request, _("La fin de la convention n'a pas été enregistrée."), form)
        return super().form_invalid(form)


class RecordTerminationView(RecordConventionEndView):
    form_class = TerminationForm
    page_title = gettext_lazy("Enregistrer la résiliation demandée par la commune")
    submit_button_label = gettext_lazy("Enregistrer la résiliation")
    success_message = gettext_lazy("Résiliation de la convention de %(commune)s enregistrée.")

    def record(self, data):
        return record_termination(
            self.convention, letter_on=data["letter_on"], effective_on=data["effective_on"], user=self.request.user
        )


class RecordRevocationView(RecordConventionEndView):
    form_class = RevocationForm
    page_title = gettext_lazy("Enregistrer la révocation décidée par la Métropole")
    submit_button_label = gettext_lazy("Enregistrer la révocation")
    success_message = gettext_lazy("Révocation de la convention de %(commune)s enregistrée.")

    def record(self, data):
        return record_revocation(
            self.convention, decided_on=data["decided_on"], reason=data["reason"], user=self.request.user
        )


@require_POST
def acknowledge(request, pk):
    """A commune editor acknowledges a new version of the règlement (Art. 10)."""
    notification = get_object_or_404(ConventionTextNotification.objects.select_related("commune"), pk=pk)
    if notification.commune_id not in commune_ids_for(request.user, CommuneRole.EDITORS):
        raise PermissionDenied
    if acknowledge_notification(notification, request.user):
        messages.success(
            request,
            _("Réception de la version %(number)s du règlement confirmée pour %(commune)s.")
            % {"number": notification.version.number, "commune": notification.commune},
        )
    return redirect("wagtailadmin_home")
