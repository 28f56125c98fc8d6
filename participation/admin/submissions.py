"""Wagtail's list of a questionnaire's answers, whose CSV/XLSX export asks a reason first and is logged.

Raw answers may name the people who answered (Art. 6-7): like the project's own personal-data export, Wagtail's
`?export=csv` / `?export=xlsx` answers a form asking why; the file comes only after a reason is posted, and the
audit log records who, when, which answers and why. Its cells are neutralised as every export's
(`core.exports.neutralise_wagtail_exports`). Both formats are streamed as the answers are read, a chunk at a time
(Wagtail's own loads every answer first, and builds the XLSX in memory).
"""

import csv

from django.http import HttpResponseNotAllowed, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from wagtail.contrib.forms.views import SubmissionsListView

from core.exports import XLSX_CONTENT_TYPE, Echo, buffered, xlsx_stream

from .exports import ExportReasonForm

# Answers read from the database this many at a time.
ANSWERS_CHUNK = 2000


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

    def exported_rows(self, queryset, export_format):
        """The heading, then each answer's values as Wagtail would write them (neutralised, lists joined)."""
        yield [self.get_heading(queryset, field) for field in self.list_export]
        for submission in queryset.iterator(chunk_size=ANSWERS_CHUNK):
            yield [
                self.preprocess_field_value(field, value, export_format)
                for field, value in self.to_row_dict(submission).items()
            ]

    def stream_csv(self, queryset):
        writer = csv.writer(Echo())
        return buffered(writer.writerow(row) for row in self.exported_rows(queryset, self.FORMAT_CSV))

    def write_xlsx_response(self, queryset):
        response = StreamingHttpResponse(
            xlsx_stream([("Sheet1", self.exported_rows(queryset, self.FORMAT_XLSX))]), content_type=XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.xlsx"'
        return response

    def ask_reason(self, form):
        return TemplateResponse(
            self.request,
            self.reason_template_name,
            {"form": form, "questionnaire": self.form_page, "file_format": self.request.GET.get("export")},
        )
