"""Public forms that speak (WCAG 2.1 AA / RGAA 11): each field's help and error are its accessible description, errors
are summarised first with a link to each field and the title says so, choices sit in a fieldset with a legend,
names and addresses say what to autocomplete. And that behave: a sent form answers with a redirect (a reload sends
nothing again), a process that is not open shows why instead of a form, a form opened before a CGU update works once
sent back. The confirmation before withdrawing or erasing one's data is in test_personal_data.py."""

import datetime
import zoneinfo

import pytest
from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders
from django.urls import reverse
from wagtail.contrib.forms.models import FormSubmission

from charter.models import LegalTextKind
from participation.demo import add_questionnaire
from participation.models import Contribution, ContributionStatus
from participation.services.links import confirmation_url
from tests.participation.conftest import TODAY, add_contribution, contribution_data, make_process, path_of, submit

EMAIL_HELP = "Pour confirmer votre contribution et vous informer de sa suite. Elle n'est jamais publiée."
EMAIL_ERROR = "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def description_of(page, element):
    """What a screen reader reads after the element's name: the texts its aria-describedby names, in order."""
    texts = []
    for id_ in element.get("aria-describedby", "").split():
        described = page.find(id=id_)
        texts.append(described.get_text(" ", strip=True) if described else f"(nothing has the id {id_})")
    return texts


def citizen_form(page):
    return page.find("form", class_="citizen-form")


# --- Help and errors read aloud --------------------------------------------------------------------------


def test_a_fields_help_and_error_are_read_as_its_description(client, process):
    page = soup(submit(client, process, email="pas-une-adresse"))

    email = page.find("input", {"name": "email"})
    pseudonym = page.find("input", {"name": "pseudonym"})

    assert email["aria-invalid"] == "true"
    assert description_of(page, email) == [EMAIL_HELP, f"Erreur : {EMAIL_ERROR}"]
    assert "aria-invalid" not in pseudonym.attrs
    [pseudonym_help] = description_of(page, pseudonym)
    assert pseudonym_help.startswith("Seul ce nom est publié avec votre contribution")


def test_the_unsent_form_shows_no_error_and_its_help_is_read(client, process):
    page = soup(client.get(process.url))

    email = page.find("input", {"name": "email"})

    assert description_of(page, email) == [EMAIL_HELP]
    assert "aria-invalid" not in email.attrs
    assert page.find(class_="error-summary") is None
    assert not page.title.get_text().startswith("Erreur")


def test_errors_are_summarised_first_with_a_link_to_each_field_and_the_title_says_so(client, process):
    response = submit(client, process, email="pas-une-adresse", accept="")
    page = soup(response)

    assert response.status_code == 400
    assert page.title.get_text().startswith("Erreur : ")
    summary = citizen_form(page).find(class_="error-summary")
    assert summary is not None, "inside the form, before its fields"
    assert summary.find_next("input", {"name": "pseudonym"}) is not None
    assert "corrigez les champs signalés" in summary.get_text()
    targets = {}
    for link in summary.find_all("a"):
        field = page.find(id=link["href"].removeprefix("#"))
        targets[field["name"]] = link.get_text(" ", strip=True)
    assert set(targets) == {"email", "accept"}
    assert EMAIL_ERROR in targets["email"]
    assert "acceptez la charte" in targets["accept"]


def test_the_focus_moves_to_the_summary_by_a_script_of_the_site(client, process):
    page = soup(submit(client, process, text="Court"))

    summary = page.find(class_="error-summary")
    scripts = page.find_all("script")

    assert summary["tabindex"] == "-1" and summary.has_attr("data-focus-on-load")
    assert page.find_all(attrs={"data-focus-on-load": True}) == [summary], "one place to move the focus to"
    assert any("js/forms" in script.get("src", "") for script in scripts)
    assert all(not script.string for script in scripts), "no inline script (strict CSP)"
    with open(finders.find("js/forms.js")) as script:
        assert "[data-focus-on-load]" in script.read()


def test_a_refusal_is_focused_and_titled_as_an_error_too(client, process):
    submit(client, process)

    page = soup(submit(client, process))

    refusal = page.find(attrs={"data-focus-on-load": True})
    assert "déjà envoyé cette contribution" in refusal.get_text()
    assert page.title.get_text().startswith("Erreur : ")


def test_the_agents_sign_in_and_the_appeal_say_error_in_their_title(client, process):
    from participation.services.links import appeal_url

    rejected = add_contribution(process, "Un texte refusé.", status=ContributionStatus.REJECTED)
    refused = client.post(reverse("connexion"), {"username": "personne", "password": "faux"})
    sign_in = soup(refused)
    appeal = soup(client.post(path_of(appeal_url(rejected)), {"explanation": "Non"}))

    assert refused.status_code == 400  # as every public form sent back with its errors

    for page in (sign_in, appeal):
        assert page.title.get_text().startswith("Erreur : ")
        assert page.find(class_="error-summary").has_attr("data-focus-on-load")
    explanation = appeal.find("textarea", {"name": "explanation"})
    assert explanation["aria-invalid"] == "true"
    assert description_of(appeal, explanation)[1].startswith("Erreur : ")


# --- Questionnaires: choices in a fieldset ----------------------------------------------------------------


@pytest.fixture
def questionnaire_url(process):
    add_questionnaire(
        process,
        {
            "title": "Vos habitudes",
            "fields": [
                {
                    "label": "Comment venez-vous ?",
                    "field_type": "radio",
                    "required": True,
                    "choices": "À pied\nÀ vélo\nEn voiture",
                },
                {"label": "Vos moments", "field_type": "checkboxes", "required": True, "choices": "Matin\nMidi\nSoir"},
                {"label": "Vos jours", "field_type": "multiselect", "required": False, "choices": "Lundi\nMardi"},
            ],
        },
    )
    return process.url + "vos-habitudes/"


def fieldset_of(page, legend_text):
    legend = page.find(lambda tag: tag.name == "legend" and tag.get_text().strip().startswith(legend_text))
    assert legend is not None, f"no legend {legend_text!r}"
    return legend.find_parent("fieldset")


def test_radio_buttons_and_checkboxes_are_grouped_under_a_legend(client, questionnaire_url):
    page = soup(client.get(questionnaire_url))

    radios = fieldset_of(page, "Comment venez-vous ?").find_all("input")
    checkboxes = fieldset_of(page, "Vos moments").find_all("input")

    assert page.find("label", attrs={"for": ""}) is None
    assert [radio["type"] for radio in radios] == ["radio"] * 3
    assert [box["type"] for box in checkboxes] == ["checkbox"] * 3, "one box per option"
    assert [box.find_parent("label").get_text(strip=True) for box in checkboxes] == ["Matin", "Midi", "Soir"]
    assert not any(box.has_attr("required") for box in checkboxes), "required as a group, not each box"


def test_a_multiple_choice_list_is_a_group_of_checkboxes_not_a_list_box(client, questionnaire_url):
    """Before: a <select multiple>, where choosing two days needs Ctrl held down, said nowhere on the page."""
    page = soup(client.get(questionnaire_url))

    boxes = fieldset_of(page, "Vos jours").find_all("input")

    assert page.find("select", multiple=True) is None
    assert [(box["type"], box.find_parent("label").get_text(strip=True)) for box in boxes] == [
        ("checkbox", "Lundi"),
        ("checkbox", "Mardi"),
    ]


def test_a_questionnaire_sent_back_reads_each_groups_error(client, questionnaire_url):
    response = client.post(questionnaire_url, {})
    page = soup(response)

    assert response.status_code == 400
    assert page.title.get_text().startswith("Erreur : ")
    for legend in ("Comment venez-vous ?", "Vos moments"):
        fieldset = fieldset_of(page, legend)
        assert description_of(page, fieldset) == ["Erreur : Champ requis."], legend
        assert all(box["aria-invalid"] == "true" for box in fieldset.find_all("input"))
    links = page.find(class_="error-summary").find_all("a")
    assert [page.find(id=link["href"][1:])["type"] for link in links] == ["radio", "checkbox"]


def test_several_boxes_ticked_are_one_answer(client, questionnaire_url):
    page = soup(client.get(questionnaire_url))
    radio = fieldset_of(page, "Comment venez-vous ?").find("input")
    boxes = fieldset_of(page, "Vos moments").find_all("input")

    days = fieldset_of(page, "Vos jours").find_all("input")

    response = client.post(
        questionnaire_url,
        {radio["name"]: radio["value"], boxes[0]["name"]: ["Matin", "Soir"], days[0]["name"]: ["Lundi", "Mardi"]},
    )

    assert response.status_code == 303
    answers = FormSubmission.objects.get().get_data()
    assert (answers[boxes[0]["name"]], answers[days[0]["name"]]) == (["Matin", "Soir"], ["Lundi", "Mardi"])


def test_a_required_drop_down_left_alone_is_not_an_answer(client, process):
    """Before (review): a required drop-down started on its first choice: skipping it answered that choice."""
    add_questionnaire(
        process,
        {
            "title": "Votre quartier",
            "fields": [{"label": "Quartier", "field_type": "dropdown", "required": True, "choices": "Centre\nParc"}],
        },
    )
    url = process.url + "votre-quartier/"
    select = soup(client.get(url)).find("select")

    response = client.post(url, {})

    assert [option.get_text() for option in select.find_all("option")] == ["— Choisissez —", "Centre", "Parc"]
    assert select.find("option")["value"] == ""
    assert response.status_code == 400 and not FormSubmission.objects.exists()
    assert client.post(url, {select["name"]: "Parc"}).status_code == 303


def test_date_questions_use_the_date_picker_and_say_the_format_when_wrong(client, process):
    """Before (review): a date question was a text box whose format nobody was told."""
    add_questionnaire(
        process,
        {
            "title": "Vos dates",
            "fields": [
                {"label": "Date de votre dernière visite", "field_type": "date", "required": True},
                {"label": "Créneau souhaité", "field_type": "datetime", "required": True},
            ],
        },
    )
    url = process.url + "vos-dates/"
    page = soup(client.get(url))
    day, slot = (
        page.find("input", attrs={"name": "date_de_votre_derniere_visite"}),
        page.find("input", attrs={"name": "creneau_souhaite"}),
    )

    wrong = client.post(url, {day["name"]: "30 novembre", slot["name"]: "bientôt"}).content.decode()
    right = client.post(url, {day["name"]: "2026-11-30", slot["name"]: "2026-12-05T18:30"})

    assert (day["type"], slot["type"]) == ("date", "datetime-local")
    assert "au format jj/mm/aaaa." in wrong and "au format jj/mm/aaaa hh:mm." in wrong
    assert right.status_code == 303


def test_a_required_single_box_question_says_it_is_required(client, process):
    add_questionnaire(
        process,
        {
            "title": "Votre venue",
            "fields": [{"label": "Je viendrai à l'atelier", "field_type": "checkbox", "required": True}],
        },
    )
    page = soup(client.get(process.url + "votre-venue/"))
    box = page.find("input", attrs={"type": "checkbox", "name": "je_viendrai_a_latelier"})
    label = page.find("label", attrs={"for": box["id"]})

    assert "(obligatoire)" in label.get_text()


def test_checkboxes_and_radios_are_not_stretched_away_from_their_labels():
    with open(finders.find("css/site.css")) as stylesheet:
        css = stylesheet.read()

    assert '.citizen-form .field input:not([type="checkbox"], [type="radio"])' in css
    assert ".citizen-form .field input," not in css, "every input of a field stretched, boxes too"
    assert 'input[type="password"]' in css, "the sign-in's password field looks like the others"


# --- Autocomplete -------------------------------------------------------------------------------------------


def test_names_and_addresses_say_what_to_autocomplete(client, commune_space, legal_texts):
    starts_at = datetime.datetime.combine(
        TODAY + datetime.timedelta(days=20), datetime.time(18), zoneinfo.ZoneInfo("Europe/Paris")
    )
    meeting = make_process(commune_space, "Réunion publique", event_starts_at=starts_at, event_capacity=10)
    page = soup(client.get(meeting.url))
    sign_in = soup(client.get(reverse("connexion")))

    contribute = page.find("form", action=lambda action: action and "contribuer/" in action)
    register = page.find("form", action=lambda action: action and "inscription/" in action)

    assert contribute.find("input", {"name": "pseudonym"})["autocomplete"] == "nickname"
    assert contribute.find("input", {"name": "email"})["autocomplete"] == "email"
    assert register.find("input", {"name": "name"})["autocomplete"] == "name"
    assert register.find("input", {"name": "email"})["autocomplete"] == "email"
    assert sign_in.find("input", {"name": "username"})["autocomplete"] == "username"
    assert sign_in.find("input", {"name": "password"})["autocomplete"] == "current-password"
    # The page starts at its top: the focus is not put on the username, past the text that says who signs in here.
    assert not sign_in.find(attrs={"autofocus": True})


# --- Post/Redirect/Get -----------------------------------------------------------------------------------------


def test_a_sent_contribution_redirects_to_a_page_that_says_so_once(client, process):
    response = submit(client, process)

    assert response.status_code == 303
    result = client.get(response["Location"])
    again = client.get(response["Location"])

    assert "Un courriel vient de vous être envoyé" in result.content.decode()
    assert "no-store" in result["Cache-Control"], "it is this visitor's own answer"
    assert "Un courriel vient de vous être envoyé" not in again.content.decode()
    assert Contribution.objects.count() == 1


def test_confirming_a_contribution_redirects_to_the_result(client, process):
    submit(client, process)
    link = path_of(confirmation_url(Contribution.objects.get()))

    response = client.post(link, follow=True)

    assert response.redirect_chain == [(link, 303)]
    assert "Contribution confirmée" in response.content.decode()
    assert Contribution.objects.get().status == ContributionStatus.AWAITING_MODERATION
    again = client.get(link).content.decode()
    assert "Merci !" not in again and "déjà confirmée" in again, "the thanks are shown once, then what it became"


def test_a_report_redirects_and_a_reload_reports_nothing_more(client, process):
    from participation.models import Report

    contribution = add_contribution(process, "Une idée que quelqu'un signale.")
    url = process.url + f"contributions/{contribution.pk}/signaler/"

    response = client.post(url, {"rule_key": "respect"}, follow=True)

    assert response.redirect_chain[0][1] == 303
    assert "signalement est enregistré" in response.content.decode()
    assert Report.objects.count() == 1


# --- No form where nothing can be sent; a form that survives a CGU update -----------------------------------


@pytest.mark.parametrize(
    ("starts", "ends", "why"),
    [(-60, -1, "Cette démarche est terminée"), (10, 60, "Cette démarche n'est pas encore ouverte")],
)
def test_a_questionnaire_of_a_process_not_open_says_why_instead_of_a_form(
    client, commune_space, legal_texts, starts, ends, why
):
    not_open = make_process(commune_space, "Consultation", starts=starts, ends=ends)
    add_questionnaire(
        not_open, {"title": "Vos avis", "fields": [{"label": "Avis", "field_type": "singleline", "required": True}]}
    )

    response = client.get(not_open.url + "vos-avis/")
    page = soup(response)

    assert response.status_code == 200
    assert why in page.find("main").get_text()
    assert page.find("form", method="post") is None
    assert page.find("input", {"name": "avis"}) is None


def test_a_form_opened_before_a_cgu_update_carries_the_new_version_when_sent_back(client, process, publish_text):
    url = process.url + "contribuer/"
    opened_before = contribution_data(process)
    publish_text(LegalTextKind.TERMS, TODAY.isoformat(), summary="Nouvelle version.")

    refused = client.post(url, opened_before)
    page = soup(refused)
    accept = page.find("input", {"name": "accept"})
    shown_versions = {
        name: page.find("input", {"name": name})["value"] for name in ("charter_version", "terms_version")
    }

    assert refused.status_code == 400
    assert not accept.has_attr("checked"), "the new version is to be accepted, not the old one"
    assert "ont été mises à jour" in " ".join(description_of(page, accept))
    assert shown_versions != {name: str(opened_before[name]) for name in shown_versions}
    resent = client.post(url, {**opened_before, **shown_versions, "accept": "on"})
    assert resent.status_code == 303
    assert Contribution.objects.get().terms_version_id == int(shown_versions["terms_version"])


# --- Images: a cover that informs is described, a decorative one is silent ----------------------------------------


def test_a_process_cover_reads_its_description_and_a_decorative_one_nothing(client, process):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    described = "Plan du quartier : la future place au nord, l'école au sud"
    for description in (described, ""):
        process.cover_image = Image.objects.create(
            title="couverture.png", description=description, file=get_test_image_file()
        )
        process.save_revision().publish()

        cover = soup(client.get(process.url)).find("img", class_="process-cover")

        assert cover["alt"] == description  # never the file's title


def test_required_fields_are_said_not_checked_by_the_browser(client, process, questionnaire_url):
    """Before (review): a native `required` box or radio button is "invalid" to a screen reader on a blank form."""
    form = soup(client.get(process.url)).find("form", action=lambda action: action and "contribuer/" in action)
    questionnaire = soup(client.get(questionnaire_url))

    assert not form.find(attrs={"required": True}) and not questionnaire.find(attrs={"required": True})
    assert form.find("input", {"name": "accept"})["aria-required"] == "true"
    assert form.find("input", {"name": "pseudonym"})["aria-required"] == "true"
    assert not any(radio.has_attr("aria-required") for radio in questionnaire.find_all("input", type="radio"))
