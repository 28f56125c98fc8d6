"""Wagtail's list of a questionnaire's answers, whose CSV/XLSX export asks a reason first and is logged.

Raw answers may name the people who answered (Art. 6-7): like the project's own personal-data export, Wagtail's
`?export=csv` / `?export=xlsx` answers a form asking why; the file comes only after a reason is posted, and the
audit log records who, when, which answers and why. Its cells are neutralised as every export's
(`core.exports.neutralise_wagtail_exports`).
"""

from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from wagtail.contrib.forms.views import SubmissionsListView

from .exports import ExportReasonForm


@method_decorator(sensitive_post_parameters(), name="post")
class QuestionnaireSubmissionsListView(SubmissionsListView):
    reason_template_name = "participation/admin/export_submissions.html"

    def get(self, request, *args, **kwargs):
        if self.is_export:
            return self.ask_reason(ExportReasonForm())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.is_export:
            return HttpResponseNotAllowed(["GET"])
        form = ExportReasonForm(request.POST)
        if not form.is_valid():
            return self.ask_reason(form)
        self.reason = form.cleaned_data["reason"]
        return super().get(request, *args, **kwargs)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        from ..services.personal_data import log_questionnaire_export

        log_questionnaire_export(
            self.form_page.specific,
            self.request.user,
            file_format=spreadsheet_format,
            reason=self.reason,
            submissions=queryset,
        )
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def ask_reason(self, form):
        return TemplateResponse(
            self.request,
            self.reason_template_name,
            {"form": form, "questionnaire": self.form_page, "file_format": self.request.GET.get("export")},
        )
