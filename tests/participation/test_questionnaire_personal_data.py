"""Questions flagged as personal (name, address, email…): out of anonymised exports, erased at retention."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.contrib.forms.models import FormSubmission
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from participation.demo import add_questionnaire
from participation.models import QuestionnaireField, QuestionnairePage
from tests.participation.conftest import make_process
from tests.participation.test_personal_data import read_csv

SURVEY = {
    "title": "Votre usage du parc",
    "fields": [
        {"label": "Avis", "field_type": "multiline", "required": True},
        {"label": "Votre courriel", "field_type": "email", "required": False, "is_personal": True},
    ],
}


@pytest.fixture
def survey(process):
    add_questionnaire(process, SURVEY)
    questionnaire = QuestionnairePage.objects.child_of(process).get()
    FormSubmission.objects.create(
        page=questionnaire, form_data={"avis": "Plus de bancs.", "votre_courriel": "marqueur-q@example.org"}
    )
    return questionnaire


def test_an_editor_flags_a_question_as_personal_in_the_form_builder(client, process, essey_editor):
    client.force_login(essey_editor)
    url = reverse("wagtailadmin_pages:add", args=["participation", "questionnairepage", process.pk])
    fields = [
        {"label": "Avis", "field_type": "multiline", "required": "on", "choices": "", "default_value": ""},
        {"label": "Votre adresse", "field_type": "singleline", "is_personal": "on", "choices": "", "default_value": ""},
    ]
    data = nested_form_data(
        {
            "title": "Questionnaire",
            "slug": "questionnaire",
            "intro": rich_text(""),
            "thank_you_text": rich_text(""),
            "form_fields": inline_formset(fields),
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    flags = dict(QuestionnaireField.objects.filter(page__title="Questionnaire").values_list("label", "is_personal"))
    assert flags == {"Avis": False, "Votre adresse": True}


def test_the_anonymised_export_leaves_out_personal_questions(client, process, survey, moderators):
    client.force_login(moderators[0])

    rows = read_csv(client.get(reverse("participation_export", args=[process.pk, "csv"]), {"questionnaire": survey.pk}))

    assert rows[0][2:] == ["Avis"]
    assert rows[1][2:] == ["Plus de bancs."]
    assert "marqueur-q@example.org" not in str(rows)


def test_the_personal_data_export_keeps_personal_questions(client, process, survey, staff_user):
    client.force_login(staff_user)

    response = client.post(
        reverse("participation_export_personal", args=[process.pk]),
        {"file_format": "xlsx", "reason": "Inviter les répondants à la restitution."},
    )

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = [list(row) for row in workbook[survey.title].iter_rows(values_only=True)]
    assert sheet[0][2:] == ["Avis", "Votre courriel"]
    assert sheet[1][2:] == ["Plus de bancs.", "marqueur-q@example.org"]


def test_personal_answers_are_erased_once_past_retention_and_other_answers_kept(
    commune_space, legal_texts, settings, capsys
):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    old = make_process(commune_space, "Ancienne enquête", starts=-200, ends=-100)
    recent = make_process(commune_space, "Enquête en cours")
    for process in (old, recent):
        add_questionnaire(process, SURVEY)
        FormSubmission.objects.create(
            page=QuestionnairePage.objects.child_of(process).get(),
            form_data={"avis": "Plus de bancs.", "votre_courriel": "marqueur-q@example.org"},
        )

    call_command("purge_personal_data", "--dry-run")
    assert "1 questionnaire answer(s) to personal questions erased" in capsys.readouterr().out
    assert FormSubmission.objects.filter(form_data__has_key="votre_courriel").count() == 2

    call_command("purge_personal_data")
    assert "1 questionnaire answer(s)" in capsys.readouterr().out
    old_answer = FormSubmission.objects.get(page__path__startswith=old.path)
    recent_answer = FormSubmission.objects.get(page__path__startswith=recent.path)
    assert old_answer.form_data == {"avis": "Plus de bancs."}
    assert recent_answer.form_data["votre_courriel"] == "marqueur-q@example.org"

    call_command("purge_personal_data")
    assert "0 questionnaire answer(s)" in capsys.readouterr().out
