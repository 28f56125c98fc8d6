"""Exports for the analysis phase and data-rights requests received by post or email (Art. 6-7, invariant 4).

The default export, for outside contractors, is anonymised; the one with personal data needs its own permission
and a reason, and is logged. Exports are reading: a commune's moderators export its processes whatever the state
of its convention (its history), Métropole staff every commune's.
"""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from communes.models import CommuneSpacePage
from core.exports import csv_response, json_response, xlsx_response

from ..models import ProcessPage, contributor_key
from ..permissions import moderated_commune_ids
from ..services.personal_data import (
    anonymised_rows,
    erase_personal_data,
    log_data_communicated,
    log_export,
    personal_rows,
    questionnaire_rows,
    questionnaires_of,
    stored_data_of,
)


def exportable_processes(user):
    """The processes of the communes `user` moderates (every one for staff), with their schedule and commune."""
    spaces = CommuneSpacePage.objects.filter(commune_id__in=moderated_commune_ids(user))
    processes = ProcessPage.objects.none()
    for space in spaces:
        processes |= ProcessPage.objects.child_of(space)
    return processes


def _exportable_process(user, pk):
    process = exportable_processes(user).filter(pk=pk).first()
    if process is None:
        raise Http404
    return process


def _forbidden(request, message):
    return TemplateResponse(request, "participation/admin/forbidden.html", {"message": message}, status=403)


def exports_index(request):
    if not moderated_commune_ids(request.user):
        return _forbidden(request, _("Les exports sont réservés aux modérateurs et à la Métropole."))
    processes = exportable_processes(request.user).order_by("title").with_schedule().with_commune_name()
    return TemplateResponse(
        request,
        "participation/admin/exports.html",
        {
            "processes": processes,
            "may_export_personal_data": request.user.has_perm("participation.export_personal_data"),
        },
    )


def _export(process, file_format, rows, questionnaire_rows_of):
    filename = f"contributions-{process.slug}"
    if file_format == "csv":
        return csv_response(rows(process), filename)
    sheets = [(_("Contributions"), rows(process))]
    sheets += [
        (questionnaire.title, questionnaire_rows_of(questionnaire)) for questionnaire in questionnaires_of(process)
    ]
    return xlsx_response(sheets, filename)


def export_anonymised(request, pk, file_format):
    """The default export, for outside contractors: no email, pseudonym or IP; free text masked."""
    process = _exportable_process(request.user, pk)
    if file_format not in ("csv", "xlsx"):
        raise Http404
    log_export(process, request.user, file_format=file_format, with_personal_data=False)
    if questionnaire_id := request.GET.get("questionnaire"):
        questionnaire = get_object_or_404(questionnaires_of(process), pk=questionnaire_id)
        return csv_response(questionnaire_rows(questionnaire), f"questionnaire-{questionnaire.slug}")
    return _export(process, file_format, anonymised_rows, questionnaire_rows)


class ExportReasonForm(forms.Form):
    """The reason asked before any personal data leaves the platform; it goes to the audit log."""

    reason = forms.CharField(
        label=gettext_lazy("Motif de l'export avec données personnelles"),
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Enregistré dans le journal avec votre nom, la date et ce qui a été exporté."),
    )


class PersonalExportForm(ExportReasonForm):
    file_format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])

    field_order = ["file_format", "reason"]


@sensitive_post_parameters()
def export_personal(request, pk):
    """With personal data: a dedicated permission, a reason, and who/when/what/why in the audit log."""
    if not request.user.has_perm("participation.export_personal_data"):
        return _forbidden(request, _("L'export avec données personnelles demande une autorisation particulière."))
    process = _exportable_process(request.user, pk)
    form = PersonalExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        log_export(
            process,
            request.user,
            file_format=form.cleaned_data["file_format"],
            with_personal_data=True,
            reason=form.cleaned_data["reason"],
        )
        return _export(
            process,
            form.cleaned_data["file_format"],
            personal_rows,
            lambda questionnaire: questionnaire_rows(questionnaire, with_personal_data=True),
        )
    return TemplateResponse(request, "participation/admin/export_personal.html", {"process": process, "form": form})


class DataRightsForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Adresse électronique du contributeur"))
    action = forms.ChoiceField(
        label=gettext_lazy("Demande"),
        choices=[
            ("download", gettext_lazy("Communiquer ses données (JSON)")),
            ("erase", gettext_lazy("Effacer ses données")),
        ],
        widget=forms.RadioSelect,
    )
    keep_text = forms.BooleanField(
        label=gettext_lazy("Laisser le texte des contributions publiées, sans pseudonyme"), required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Référence de la demande"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Pour une communication : date et forme de la demande reçue (par exemple « courrier du 3 mars »). "
            "Enregistrée dans le journal avec votre nom."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "download" and len(cleaned.get("reason", "").strip()) < 10:
            self.add_error("reason", _("Indiquez la demande reçue (au moins 10 caractères) : elle est journalisée."))
        return cleaned


@sensitive_post_parameters()
def data_rights_request(request):
    """Staff handle a request received by post or email exactly as the contributor's own link would."""
    if not request.user.has_perm("participation.export_personal_data"):
        return _forbidden(request, _("Les demandes d'exercice des droits sont traitées par la Métropole."))
    form = DataRightsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = contributor_key(form.cleaned_data["email"])
        if form.cleaned_data["action"] == "download":
            log_data_communicated(key, request.user, reason=form.cleaned_data["reason"])
            return json_response(stored_data_of(key), "donnees-contributeur")
        count = erase_personal_data(key, keep_published_text=form.cleaned_data["keep_text"], user=request.user)
        messages.success(request, _("%(count)s contribution(s) anonymisée(s).") % {"count": count})
        return redirect("participation_data_rights")
    return TemplateResponse(request, "participation/admin/data_rights.html", {"form": form})


def export_urls():
    return [
        path("moderation/exports/", exports_index, name="participation_exports"),
        path("moderation/exports/<int:pk>/anonyme.<str:file_format>", export_anonymised, name="participation_export"),
        path("moderation/exports/<int:pk>/personnel/", export_personal, name="participation_export_personal"),
        path("moderation/droits/", data_rights_request, name="participation_data_rights"),
    ]


class ExportsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(moderated_commune_ids(request.user))


def exports_menu_item():
    return ExportsMenuItem(
        gettext_lazy("Exports des contributions"), reverse("participation_exports"), icon_name="download", order=160
    )


def raw_answers_only_with_the_personal_data_permission(user, editable_forms):
    """Raw questionnaire answers may hold personal data: editors use the masked export instead (Art. 7)."""
    if user.has_perm("participation.export_personal_data"):
        return editable_forms
    return editable_forms.none()
