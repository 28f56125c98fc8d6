"""Questionnaires of a process, built with Wagtail's form builder; answers are Wagtail's form submissions."""

from django import forms
from django.db import models
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.forms import FormBuilder
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.fields import RichTextField

from communes.forms import CommuneFormPageForm
from communes.models.pages import CommunePageMixin
from core.widgets import say_required_without_browser_checks


class QuestionnaireField(AbstractFormField):
    page = ParentalKey("QuestionnairePage", on_delete=models.CASCADE, related_name="form_fields")
    # Art. 6: a question asking who the person is (name, address, phone…) is flagged by the editor.
    is_personal = models.BooleanField(
        _("donnée personnelle"),
        default=False,
        help_text=_(
            "Nom, adresse, téléphone, courriel… : la réponse n'apparaît jamais dans l'export anonymisé et "
            "elle est effacée à la fin de la durée de conservation."
        ),
    )

    panels = [*AbstractFormField.panels, FieldPanel("is_personal")]


class QuestionnaireFormBuilder(FormBuilder):
    """Wagtail's form builder, but a drop-down list starts on no answer (unless the editor set a default): a
    required one left alone was silently answered with its first choice, skewing the results; a multiple choice
    list is a group of checkboxes; dates and times use the browser's pickers."""

    @property
    def formfields(self):
        return say_required_without_browser_checks(super().formfields)

    def create_date_field(self, field, options):
        # The browser's date picker (typed as jj/mm/aaaa in French); the server reads what it sends, or a typed date.
        options["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        options["error_messages"] = {"invalid": _("Saisissez une date valide, au format jj/mm/aaaa.")}
        return super().create_date_field(field, options)

    def create_datetime_field(self, field, options):
        options["widget"] = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        options["error_messages"] = {
            "invalid": _("Saisissez une date et une heure valides, au format jj/mm/aaaa hh:mm.")
        }
        return super().create_datetime_field(field, options)

    def create_email_field(self, field, options):
        # The respondent's own address, as a browser can fill it in (RGAA 11.13).
        options["widget"] = forms.EmailInput(attrs={"autocomplete": "email"})
        return super().create_email_field(field, options)

    def create_multiselect_field(self, field, options):
        # A list box where several answers need Ctrl or Cmd held down is the hardest control to use without a mouse
        # and to hear with a screen reader, and nothing on the page would say how: checkboxes under a legend, one
        # per choice, answer the same question the same way (the stored answer is the same list).
        form_field = super().create_multiselect_field(field, options)
        form_field.widget = forms.CheckboxSelectMultiple(choices=form_field.choices)
        return form_field

    def create_dropdown_field(self, field, options):
        form_field = super().create_dropdown_field(field, options)
        if not field.default_value:
            form_field.choices = [("", _("— Choisissez —")), *form_field.choices]
        return form_field


class QuestionnairePage(CommunePageMixin, AbstractForm):
    """A survey of a process, built with Wagtail's form builder."""

    form_builder = QuestionnaireFormBuilder

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    thank_you_text = RichTextField(_("message de remerciement"), blank=True, features=["bold", "italic", "link"])

    content_panels = [
        *AbstractForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("question")),
        FieldPanel("thank_you_text"),
    ]

    base_form_class = CommuneFormPageForm
    parent_page_types = ["participation.ProcessPage"]
    subpage_types = []
    template = "pages/questionnaire_page.html"
    landing_page_template = "pages/questionnaire_page_landing.html"

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def get_submissions_list_view_class(self):
        # Wagtail's export of the raw answers asks a reason and is logged (Art. 6-7).
        from ..admin.submissions import QuestionnaireSubmissionsListView

        return QuestionnaireSubmissionsListView

    def get_context(self, request, *args, **kwargs):
        from ..services import Refused
        from ..services.contributions import refuse_unless_open

        context = super().get_context(request, *args, **kwargs)
        # A process that is not open shows why instead of a form that would only refuse once filled in.
        try:
            refuse_unless_open(self.get_parent().specific)
        except Refused as refusal:
            context["closed_message"] = refusal.message
        context["notices"] = getattr(request, "participation_notices", {})
        return context

    def serve(self, request, *args, **kwargs):
        from ..views import notices_for, refuse_questionnaire_answer

        if request.method != "POST":
            request.participation_notices = notices = notices_for(request)
            if notices.get(self.notice_name):
                # The page the answer's redirect leads to (Post/Redirect/Get): the thanks, kept by no cache.
                response = super().render_landing_page(request)
                add_never_cache_headers(response)
                return response
            response = super().serve(request, *args, **kwargs)
            if notices:  # a message shown once: this page is this visitor's
                add_never_cache_headers(response)
            return response
        response = refuse_questionnaire_answer(request, self) or super().serve(request, *args, **kwargs)
        form = getattr(response, "context_data", None) and response.context_data.get("form")
        if form is not None and form.errors:
            response.status_code = 400
        # An answer sent back (with what the citizen typed) or its thanks: neither a browser nor a cache keeps it.
        add_never_cache_headers(response)
        return response

    @property
    def notice_name(self):
        return f"questionnaire-{self.pk}"

    def render_landing_page(self, request, form_submission=None, *args, **kwargs):
        """A stored answer redirects to the questionnaire, which thanks once: a reload sends nothing again."""
        from ..views import redirect_with_notice

        return redirect_with_notice(
            request, self.get_url(request), self.notice_name, _("Merci, vos réponses sont enregistrées.")
        )
