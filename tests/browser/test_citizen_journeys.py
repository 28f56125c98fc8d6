"""What a person does with the site's forms, in Chromium: a citizen who uses only the keyboard contributes,
confirms and sees the result; every field's help text and error is in its accessible description (what a screen
reader reads with it); every form's error and success pages pass axe-core and the Nu validator, fit a 320 px
phone and a screen zoomed to 200 %, and the keyboard reaches all they hold with a visible focus (in forced colours
too); a signed-in agent is warned before the session ends and stays signed in from the keyboard.

Elements are found by their role and accessible name, as a screen reader user finds them (ids may change).
"""

import re

import pytest
from django import conf
from django.core import mail
from django.test import override_settings
from playwright.sync_api import expect

from communes.models import CommuneRole, CommuneSpacePage
from participation.models import Contribution, ContributionStatus, ProcessPage, QuestionnaireField, QuestionnairePage
from participation.services.links import appeal_url
from participation.services.moderation import approve
from participation.services.personal_data import rights_url
from tests.browser.conftest import (
    accessibility_violations,
    html_errors_of,
    keyboard_gaps,
    open_tab,
    path_of,
    widths,
)
from tests.conftest import commune_group
from tests.participation.conftest import link_in_last_email

pytestmark = pytest.mark.django_db

OPEN_PROCESS = "Imaginons ensemble nos cours d'école"
MEETING = "Réunion publique : le plan de circulation du centre"
REQUIRED = "Champ requis."
ERROR_TITLE_PREFIX = "Erreur : "
MAX_TABS = 200
USERNAME = re.compile("utilisateur")  # Django's "Nom d’utilisateur"

# Every kind of question of Wagtail's form builder, each required and with a help text: (kind, label, choices).
QUESTIONS = [
    ("singleline", "Votre quartier", ""),
    ("multiline", "Ce qui vous manque le plus", ""),
    ("email", "Votre adresse électronique", ""),
    ("number", "Nombre d'enfants à l'école", ""),
    ("url", "Un lien vers un exemple", ""),
    ("checkbox", "Je souhaite être invité·e à l'atelier", ""),
    ("checkboxes", "Comment venez-vous à l'école ?", "À pied\nÀ vélo\nEn voiture"),
    ("dropdown", "Votre école", "École Jules-Ferry\nÉcole Pasteur"),
    ("multiselect", "Vos jours disponibles", "Lundi\nMercredi\nSamedi"),
    ("radio", "Vous êtes", "Parent\nEnseignant·e\nÉlève"),
    ("date", "Date de votre dernière visite", ""),
    ("datetime", "Créneau souhaité pour l'atelier", ""),
]
GROUPS = {"checkboxes", "multiselect", "radio"}


def help_text(label):
    return f"Aide : {label.lower()}"


@pytest.fixture(scope="module")
def questionnaire_url(demo_world):
    """A questionnaire of the demo's open process with every kind of question (the demo's own is on a closed one)."""
    process = ProcessPage.objects.get(title=OPEN_PROCESS)
    page = process.add_child(instance=QuestionnairePage(title="Questionnaire : toutes les questions", live=False))
    for order, (kind, label, choices) in enumerate(QUESTIONS):
        QuestionnaireField.objects.create(
            page=page,
            sort_order=order,
            label=label,
            field_type=kind,
            required=True,
            choices=choices,
            help_text=help_text(label),
        )
    page.save_revision().publish()
    return page.url


@pytest.fixture(scope="module")
def many_forms_from_one_browser(demo_world):
    """Every form of the module is sent from one address: the rate limits are not under test here."""
    generous = {action: (100, window) for action, (_limit, window) in conf.settings.RATE_LIMITS.items()}
    with override_settings(RATE_LIMITS=generous):
        yield


@pytest.fixture(scope="module")
def tab(chromium, many_forms_from_one_browser):
    page = open_tab(chromium, viewport={"width": 1280, "height": 800})
    page.set_default_timeout(5_000)
    return page


@pytest.fixture
def site(live_site, tab):
    """The served site, the module's tab without the cookies of the test before."""
    tab.context.clear_cookies()
    return live_site


def process_url(title):
    return ProcessPage.objects.get(title=title).url


def focused(tab):
    """The text of what the keyboard is on."""
    return tab.evaluate("() => document.activeElement.innerText || document.activeElement.value || ''")


def is_focused(locator):
    return locator.evaluate("(element) => element === document.activeElement")


def tab_to(tab, locator, key="Tab"):
    """Press Tab (or Shift+Tab) until `locator` has the focus, as a keyboard user would."""
    for _press in range(MAX_TABS):
        tab.keyboard.press(key)
        if is_focused(locator):
            return
    pytest.fail(f"{key} never reached {locator}")


def form_with_button(tab, name):
    return tab.locator("form").filter(has=tab.get_by_role("button", name=name))


def visit(tab, url):
    response = tab.goto(url, wait_until="load")
    assert response is not None
    return response


def send(tab, button):
    """Click the button and wait for the page that answers (after its redirect, if any): its response."""
    with tab.expect_navigation(wait_until="load") as navigation:
        button.click()
    return navigation.value


def press_enter_and_wait(tab):
    with tab.expect_navigation(wait_until="load") as navigation:
        tab.keyboard.press("Enter")
    return navigation.value


# --- 1. A citizen who uses only the keyboard -------------------------------------------------------------------


def test_keyboard_only_citizen_contributes_confirms_and_sees_the_result(site, tab, make_user):
    process = ProcessPage.objects.get(title=OPEN_PROCESS)
    visit(tab, site + process.url)
    form = form_with_button(tab, "Envoyer ma contribution")
    pseudonym = form.get_by_label("Pseudonyme")
    tab_to(tab, pseudonym)
    tab.keyboard.type("Lou au clavier")
    tab.keyboard.press("Tab")
    assert is_focused(form.get_by_label("Adresse électronique"))
    tab.keyboard.type("lou@example.org")
    # Sent with the contribution empty and the consent unticked.
    tab_to(tab, form.get_by_role("button", name="Envoyer ma contribution"))
    response = press_enter_and_wait(tab)

    assert response.status == 400
    assert mail.outbox == []
    assert tab.title().startswith(ERROR_TITLE_PREFIX)
    summary = "Votre contribution n'est pas encore envoyée : corrigez les champs signalés ci-dessous."
    assert focused(tab).startswith(summary), "the focus is not on the summary of errors"
    # The summary links to each field in error; following one puts the keyboard in that field.
    form = form_with_button(tab, "Envoyer ma contribution")
    text_link = tab.get_by_role("link", name=f"Votre contribution : {REQUIRED}")
    tab_to(tab, text_link)
    tab.keyboard.press("Enter")
    text = form.get_by_label("Votre contribution")
    expect(text).to_be_focused()
    tab.keyboard.type("Des arbres dans la cour pour avoir de l'ombre à la récréation, et des bancs dessous.")
    # Back with Shift+Tab: what was typed before is still there.
    email = form.get_by_label("Adresse électronique")
    tab_to(tab, email, key="Shift+Tab")
    expect(email).to_have_value("lou@example.org")
    expect(form.get_by_label("Pseudonyme")).to_have_value("Lou au clavier")
    consent = form.get_by_role("checkbox", name="J'ai lu et j'accepte")
    tab_to(tab, consent)
    tab.keyboard.press("Space")
    expect(consent).to_be_checked()
    tab_to(tab, form.get_by_role("button", name="Envoyer ma contribution"))
    response = press_enter_and_wait(tab)

    assert response.status == 200
    assert not tab.title().startswith(ERROR_TITLE_PREFIX)
    notice = tab.get_by_role("status").filter(has_text="Un courriel vient de vous être envoyé")
    expect(notice).to_be_focused()

    # The link of the email, opened: confirming takes a key press on the page.
    assert [email.to for email in mail.outbox] == [["lou@example.org"]]
    visit(tab, site + path_of(link_in_last_email("/confirmer/")))
    tab_to(tab, tab.get_by_role("button", name="Je confirme ma contribution"))
    response = press_enter_and_wait(tab)
    assert response.status == 200
    expect(tab.get_by_role("heading", level=1)).to_have_text("Contribution confirmée")
    expect(tab.get_by_role("status")).to_be_focused()
    expect(tab.get_by_role("status")).to_contain_text("après sa relecture par les modérateurs")

    # Not shown before a moderator of the commune approves it; shown after.
    idea = tab.get_by_text("Des arbres dans la cour pour avoir de l'ombre")
    visit(tab, site + process.url)
    expect(idea).to_have_count(0)
    contribution = Contribution.objects.get(email="lou@example.org")
    assert contribution.status == ContributionStatus.AWAITING_MODERATION
    space = process.get_parent().specific
    approve(contribution, make_user("moderatrice", commune_group(space, CommuneRole.MODERATORS)))
    visit(tab, site + process.url)
    expect(idea).to_be_visible()
    expect(tab.get_by_text("Lou au clavier")).to_be_visible()


# --- 2. Each field's help text and error, read with it ----------------------------------------------------------


def expect_described(field, *texts):
    for text in texts:
        expect(field).to_have_accessible_description(re.compile(re.escape(text)))


def said_invalid(control):
    """Whether Chromium tells assistive technologies the control is invalid, read from its accessibility tree (what
    a screen reader gets): `aria-invalid`, or the browser's own validity, which made a native `required` checkbox
    or radio button "invalid" from the moment the page loaded."""
    tab = control.page
    control.evaluate("(element) => element.setAttribute('data-checked-now', '')")
    cdp = tab.context.new_cdp_session(tab)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-checked-now]"})["nodeId"]
        tree = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
    finally:
        cdp.detach()
        control.evaluate("(element) => element.removeAttribute('data-checked-now')")
    properties = {item["name"]: item["value"].get("value") for item in tree["nodes"][0].get("properties", [])}
    return properties.get("invalid", "false") not in ("false", False)


def expect_valid(field, help=""):
    """Nothing is said to be wrong before anything was sent: the field, or each choice of a group."""
    choices = field.get_by_role("radio").or_(field.get_by_role("checkbox")).all()
    for control in choices or [field]:
        assert not said_invalid(control), f"{control} is said invalid on a blank form"
    if help:
        expect_described(field, help)


def expect_in_error(field, error, help="", *, group=False):
    """The field, or each choice of a group, is invalid; its description (the group's) says the error."""
    if group:
        choices = field.get_by_role("radio").or_(field.get_by_role("checkbox")).all()
        assert choices
        for choice in choices:
            expect(choice).to_have_attribute("aria-invalid", "true")
    else:
        expect(field).to_have_attribute("aria-invalid", "true")
    expect_described(field, error, *([help] if help else []))


CONTRIBUTION_HELP = {
    "Pseudonyme": "Seul ce nom est publié avec votre contribution",
    "Adresse électronique": "Pour confirmer votre contribution et vous informer de sa suite.",
    "Votre contribution": "Une idée par contribution.",
}
CONSENT_ERROR = "Pour contribuer, acceptez la charte et les conditions d'utilisation."


def test_contribution_form_fields_are_described_and_their_errors_read(site, tab):
    visit(tab, site + process_url(OPEN_PROCESS))
    form = form_with_button(tab, "Envoyer ma contribution")
    for label, help in CONTRIBUTION_HELP.items():
        expect_valid(form.get_by_label(label), help)
    expect(form.get_by_role("combobox", name="Thème (facultatif)")).to_be_visible()
    expect_valid(form.get_by_role("checkbox", name="J'ai lu et j'accepte"))

    form.get_by_label("Adresse électronique").fill("pas-une-adresse")
    send(tab, form.get_by_role("button", name="Envoyer ma contribution"))
    form = form_with_button(tab, "Envoyer ma contribution")
    expect_in_error(form.get_by_label("Pseudonyme"), REQUIRED, CONTRIBUTION_HELP["Pseudonyme"])
    expect_in_error(
        form.get_by_label("Adresse électronique"),
        "Saisissez une adresse électronique valide",
        CONTRIBUTION_HELP["Adresse électronique"],
    )
    expect_in_error(form.get_by_label("Votre contribution"), REQUIRED, CONTRIBUTION_HELP["Votre contribution"])
    expect_in_error(form.get_by_role("checkbox", name="J'ai lu et j'accepte"), CONSENT_ERROR)
    expect_valid(form.get_by_role("combobox", name="Thème (facultatif)"))


def test_meeting_registration_fields_are_described_and_their_errors_read(site, tab):
    visit(tab, site + process_url(MEETING))
    form = form_with_button(tab, "Je m'inscris")
    email_help = "Pour confirmer votre inscription."
    needs_help = "Par exemple : interprète en langue des signes"
    expect_valid(form.get_by_label("Nom ou pseudonyme"))
    expect_valid(form.get_by_label("Adresse électronique"), email_help)
    expect_valid(form.get_by_label("Besoins d'accessibilité (facultatif)"), needs_help)

    send(tab, form.get_by_role("button", name="Je m'inscris"))
    assert tab.title().startswith(ERROR_TITLE_PREFIX)
    form = form_with_button(tab, "Je m'inscris")
    expect_in_error(form.get_by_label("Nom ou pseudonyme"), REQUIRED)
    expect_in_error(form.get_by_label("Adresse électronique"), REQUIRED, email_help)
    expect_valid(form.get_by_label("Besoins d'accessibilité (facultatif)"), needs_help)


def question(form, kind, label):
    """A question as a screen reader finds it: a group named by its legend, or a field named by its label."""
    name = f"{label} (obligatoire)"
    if kind in GROUPS:
        return form.get_by_role("group", name=name, exact=True)
    if kind == "checkbox":
        return form.get_by_role("checkbox", name=name, exact=True)
    return form.get_by_label(name, exact=True)


def test_questionnaire_questions_of_every_kind_are_described_and_their_errors_read(site, tab, questionnaire_url):
    visit(tab, site + questionnaire_url)
    form = form_with_button(tab, "Envoyer mes réponses")
    for kind, label, _choices in QUESTIONS:
        expect_valid(question(form, kind, label), help_text(label))
    # A box of a group of checkboxes is not required by itself (one ticked answers the question).
    boxes = question(form, "checkboxes", "Comment venez-vous à l'école ?")
    for choice in ["À pied", "À vélo", "En voiture"]:
        expect(boxes.get_by_role("checkbox", name=choice, exact=True)).not_to_have_attribute("required", "")

    send(tab, form.get_by_role("button", name="Envoyer mes réponses"))
    assert tab.title().startswith(ERROR_TITLE_PREFIX)
    form = form_with_button(tab, "Envoyer mes réponses")
    for kind, label, _choices in QUESTIONS:
        # A drop-down list starts on "— Choisissez —": left alone, it is unanswered like the others.
        expect_in_error(question(form, kind, label), REQUIRED, help_text(label), group=kind in GROUPS)


def test_sign_in_with_a_wrong_password_is_read(site, tab, make_user):
    make_user("agent-essey")
    visit(tab, site + "/connexion/")
    form = form_with_button(tab, "Se connecter")
    form.get_by_label(USERNAME).fill("agent-essey")
    form.get_by_label("Mot de passe").fill("pas-le-bon")
    send(tab, form.get_by_role("button", name="Se connecter"))
    assert tab.title().startswith(ERROR_TITLE_PREFIX)
    assert focused(tab).startswith("La connexion n'a pas abouti"), "the focus is not on the summary of errors"
    expect(tab.get_by_text(re.compile("Saisissez un nom d.utilisateur et un mot de passe valides"))).to_be_visible()


def test_appeal_form_is_described_and_its_error_read(site, tab):
    rejected = Contribution.objects.filter(status=ContributionStatus.REJECTED).order_by("-pk").first()
    visit(tab, site + path_of(appeal_url(rejected)))
    form = form_with_button(tab, "Envoyer ma contestation")
    explanation_help = "De 10 à 1 000 caractères. Une seule contestation est possible."
    expect_valid(form.get_by_label("Pourquoi contestez-vous la décision ?"), explanation_help)
    form.get_by_label("Pourquoi contestez-vous la décision ?").fill("Non.")
    send(tab, form.get_by_role("button", name="Envoyer ma contestation"))
    assert tab.title().startswith(ERROR_TITLE_PREFIX)
    form = form_with_button(tab, "Envoyer ma contestation")
    expect_in_error(
        form.get_by_label("Pourquoi contestez-vous la décision ?"), "au moins 10 caractères", explanation_help
    )


# --- 3. Every form's pages after it is sent: errors, and what it did ---------------------------------------------

# A 320 px phone, and a 1280 px screen zoomed to 200 % (its layout is 640 px wide).
REFLOW_WINDOWS = {"phone": {"width": 320, "height": 640}, "zoomed": {"width": 640, "height": 400}}

# name: (the HTTP status of the page, how the text that has the focus once it is loaded begins: what the form did
# or why it did not; None for a page that asks a question, read from its top)
FORM_STATES = {
    "contribution-errors": (400, "Votre contribution n'est pas encore envoyée"),
    "contribution-sent": (200, "Merci ! Un courriel vient de vous être envoyé"),
    "contribution-confirmed": (200, "Merci ! Votre contribution sera publiée"),
    "registration-errors": (400, "Votre inscription n'est pas encore envoyée"),
    "registration-sent": (200, "Votre demande d'inscription est enregistrée"),
    "registration-confirmed": (200, "Votre inscription à la rencontre « Réunion publique"),
    "registration-cancelled": (200, "Votre inscription à la rencontre « Réunion publique"),
    "questionnaire-errors": (400, "Vos réponses ne sont pas encore envoyées"),
    "questionnaire-sent": (200, "Merci, vos réponses sont enregistrées."),
    "sign-in-errors": (400, "La connexion n'a pas abouti"),
    "appeal-errors": (400, "Votre contestation n'est pas encore envoyée"),
    "appeal-sent": (200, "Votre contestation est enregistrée."),
    "report-sent": (200, "Merci : votre signalement est enregistré"),
    "report-refused": (400, "Vous avez déjà signalé cette contribution."),
    "my-data-withdraw-asked": (200, None),
    "my-data-withdrawn": (200, "Votre contribution est retirée"),
    "my-data-erase-asked": (200, None),
    "my-data-erased": (200, "Vos données personnelles sont effacées."),
}


def answer_every_question(form):
    for kind, label, choices in QUESTIONS:
        field = question(form, kind, label)
        first = choices.split("\n")[0]
        if kind in GROUPS:
            field.get_by_label(first, exact=True).check()
        elif kind == "checkbox":
            field.check()
        elif kind == "dropdown":
            field.select_option(first)
        else:
            typed = {
                "email": "lou@example.org",
                "number": "2",
                "url": "https://example.org/cour",
                "date": "2026-11-30",
                "datetime": "2026-11-30T10:00",
            }
            field.fill(typed.get(kind, "Le quartier des Écoles"))


@pytest.fixture(scope="module")
def form_states(live_site, tab, questionnaire_url, java, tmp_path_factory):
    """Each form sent with errors, then sent right: each page that answers, checked as it is shown.

    {state: {"status", "axe" (a report, empty if no violation), "width" at 320 px, "html" (the validator's errors)}}
    """
    folder = tmp_path_factory.mktemp("form-states")
    states = {}

    def check(name, response):
        (folder / f"{name}.html").write_bytes(response.body())
        states[name] = {"status": response.status, "focus": focused(tab), "axe": accessibility_violations(tab)}
        states[name]["keyboard"] = keyboard_gaps(tab)
        tab.emulate_media(forced_colors="active")
        states[name]["keyboard in forced colours"] = keyboard_gaps(tab)
        tab.emulate_media(forced_colors="none")
        for way, window in REFLOW_WINDOWS.items():
            tab.set_viewport_size(window)
            states[name][way] = widths(tab)
        tab.set_viewport_size({"width": 1280, "height": 800})

    tab.context.clear_cookies()
    contribute = "Envoyer ma contribution"
    visit(tab, live_site + process_url(OPEN_PROCESS))
    check("contribution-errors", send(tab, form_with_button(tab, contribute).get_by_role("button", name=contribute)))
    form = form_with_button(tab, contribute)
    form.get_by_label("Pseudonyme").fill("Camille")
    form.get_by_label("Adresse électronique").fill("camille-etats@example.org")
    form.get_by_label("Votre contribution").fill("Une cour plus verte, avec un potager tenu par les classes.")
    form.get_by_role("checkbox", name="J'ai lu et j'accepte").check()
    check("contribution-sent", send(tab, form.get_by_role("button", name=contribute)))
    visit(tab, live_site + path_of(link_in_last_email("/confirmer/")))
    check("contribution-confirmed", send(tab, tab.get_by_role("button", name="Je confirme ma contribution")))

    visit(tab, live_site + process_url(MEETING))
    check("registration-errors", send(tab, tab.get_by_role("button", name="Je m'inscris")))
    form = form_with_button(tab, "Je m'inscris")
    form.get_by_label("Nom ou pseudonyme").fill("Camille Martin")
    form.get_by_label("Adresse électronique").fill("camille-rencontre@example.org")
    check("registration-sent", send(tab, form.get_by_role("button", name="Je m'inscris")))
    visit(tab, live_site + path_of(link_in_last_email("/inscription/")))
    check("registration-confirmed", send(tab, tab.get_by_role("button", name="Je confirme mon inscription")))
    visit(tab, live_site + path_of(link_in_last_email("/inscription/annuler/")))
    check("registration-cancelled", send(tab, tab.get_by_role("button", name="J'annule mon inscription")))

    visit(tab, live_site + questionnaire_url)
    check("questionnaire-errors", send(tab, tab.get_by_role("button", name="Envoyer mes réponses")))
    answer_every_question(form_with_button(tab, "Envoyer mes réponses"))
    check("questionnaire-sent", send(tab, tab.get_by_role("button", name="Envoyer mes réponses")))

    visit(tab, live_site + "/connexion/")
    tab.get_by_label(USERNAME).fill("personne")
    tab.get_by_label("Mot de passe").fill("pas-le-bon")
    check("sign-in-errors", send(tab, tab.get_by_role("button", name="Se connecter")))

    rejected = Contribution.objects.filter(status=ContributionStatus.REJECTED).order_by("pk").first()
    visit(tab, live_site + path_of(appeal_url(rejected)))
    check("appeal-errors", send(tab, tab.get_by_role("button", name="Envoyer ma contestation")))
    tab.get_by_label("Pourquoi contestez-vous la décision ?").fill("Je parlais de l'organisation, pas d'une personne.")
    check("appeal-sent", send(tab, tab.get_by_role("button", name="Envoyer ma contestation")))

    # A published contribution reported, then reported again by the same person (refused).
    for name in ["report-sent", "report-refused"]:
        visit(tab, live_site + process_url(OPEN_PROCESS))
        reported = tab.get_by_role("listitem").filter(has_text="Désimperméabiliser une partie de la cour")
        reported.get_by_text("Signaler cette contribution").click()
        reported.get_by_label("Règle de la charte non respectée").select_option(label="Respecter les personnes")
        check(name, send(tab, reported.get_by_role("button", name="Signaler")))

    # The contributor's own page: withdrawing and erasing each ask first.
    visit(tab, live_site + path_of(rights_url("camille-etats@example.org")))
    check("my-data-withdraw-asked", send(tab, tab.get_by_role("button", name="Retirer cette contribution")))
    check("my-data-withdrawn", send(tab, tab.get_by_role("button", name="Oui, retirer cette contribution")))
    check("my-data-erase-asked", send(tab, tab.get_by_role("button", name="Effacer mes données")))
    check("my-data-erased", send(tab, tab.get_by_role("button", name="Oui, effacer mes données")))

    for name, errors in html_errors_of(folder, java).items():
        states[name]["html"] = errors
    return states


@pytest.mark.parametrize("state", FORM_STATES)
def test_form_state_answers_as_expected(state, form_states):
    assert form_states[state]["status"] == FORM_STATES[state][0]


@pytest.mark.parametrize("state", [name for name, (_status, focus) in FORM_STATES.items() if focus])
def test_form_state_puts_the_focus_on_what_the_form_did(state, form_states):
    assert form_states[state]["focus"].startswith(FORM_STATES[state][1])


@pytest.mark.parametrize("state", FORM_STATES)
def test_form_state_has_no_accessibility_violation(state, form_states):
    assert form_states[state]["axe"] == ""


@pytest.mark.parametrize("state", FORM_STATES)
def test_form_state_has_no_html_error(state, form_states):
    assert form_states[state]["html"] == []


@pytest.mark.parametrize("state", FORM_STATES)
@pytest.mark.parametrize("way", REFLOW_WINDOWS)
def test_form_state_has_no_horizontal_scroll(state, way, form_states):
    found = form_states[state][way]
    assert found["page"] <= found["window"], f"{state} is {found['page']} px wide in a {found['window']} px window"


@pytest.mark.parametrize("state", FORM_STATES)
@pytest.mark.parametrize("way", ["keyboard", "keyboard in forced colours"])
def test_form_state_keyboard_reaches_everything_with_a_visible_focus(state, way, form_states):
    hidden_focus, never_reached = form_states[state][way]
    assert hidden_focus == [], f"{state}, {way}: no visible focus on {hidden_focus}"
    assert never_reached == [], f"{state}, {way}: never reached by Tab: {never_reached}"


# --- 4. A signed-in agent warned before the session ends --------------------------------------------------------

SESSION_STATUS = "/connexion/session/"


def test_agent_is_warned_before_the_session_ends_and_stays_signed_in_from_the_keyboard(
    live_site, chromium, make_user, settings
):
    # Two minutes of warning (static/js/session.js): the warning comes two seconds after signing in.
    settings.SESSION_IDLE_TIMEOUT = 122
    space = CommuneSpacePage.objects.get(commune__slug="essey-les-nancy")
    make_user("agent-essey", commune_group(space, CommuneRole.AGENTS))
    agent = open_tab(chromium, viewport={"width": 1280, "height": 800})
    agent.set_default_timeout(5_000)
    try:
        visit(agent, live_site + "/connexion/")
        agent.get_by_label(USERNAME).fill("agent-essey")
        agent.get_by_label("Mot de passe").fill("a-long-test-password")
        send(agent, agent.get_by_role("button", name="Se connecter"))

        dialog = agent.get_by_role("alertdialog", name="Votre session va se terminer")
        expect(dialog).to_be_visible(timeout=10_000)
        expect(dialog).to_have_accessible_description(re.compile("vous serez déconnecté dans 2 minutes"))
        stay = dialog.get_by_role("button", name="Rester connecté")
        expect(stay).to_be_focused()
        expect(dialog).to_have_attribute("aria-modal", "true")
        # Modal: Tab and Shift+Tab go round its two buttons, never back to the page behind it.
        agent.keyboard.press("Tab")
        expect(dialog.get_by_role("button", name="Fermer")).to_be_focused()
        agent.keyboard.press("Tab")
        expect(stay).to_be_focused()
        agent.keyboard.press("Shift+Tab")
        expect(dialog.get_by_role("button", name="Fermer")).to_be_focused()
        agent.keyboard.press("Shift+Tab")
        expect(stay).to_be_focused()
        assert accessibility_violations(agent) == ""
        before = agent.request.get(live_site + SESSION_STATUS).json()["ends_in"]
        assert before <= 120

        agent.keyboard.press("Enter")
        expect(dialog).to_be_hidden()
        after = agent.request.get(live_site + SESSION_STATUS).json()["ends_in"]
        assert after > before, "the session was not extended"
    finally:
        agent.context.close()
