"""Invariant 4: personal data stays private: exports, data rights, retention."""

import csv
import datetime
import io
import json
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import PageLogEntry

from participation.models import Contribution, ContributionStatus, Report
from participation.services.personal_data import mask_personal_data
from tests.participation.conftest import add_contribution, make_process, path_of, submit

MARK_EMAIL = "marqueur.confidentiel@example.org"


def add(process, text, *, email=MARK_EMAIL, pseudonym="Pseudo", **fields):
    return add_contribution(process, text, email=email, pseudonym=pseudonym, **fields)


def test_masking_hides_emails_phones_and_links_in_free_text():
    masked = mask_personal_data("Écrivez-moi à jean.dupont@mail.fr ou au 06 12 34 56 78, voir https://exemple.fr/x")

    assert "jean.dupont" not in masked and "06 12" not in masked and "exemple.fr" not in masked
    assert "[courriel masqué]" in masked and "[téléphone masqué]" in masked and "[lien masqué]" in masked


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content), delimiter=";"))


@pytest.fixture
def contributions(process):
    add(process, "Appelez-moi au 06 12 34 56 78 ou écrivez à jean.dupont@mail.fr.", pseudonym="Jean")
    add(process, "Une deuxième idée du même auteur.", pseudonym="Jean")
    add(process, "L'idée d'une autre personne.", email="autre@example.org", pseudonym="Autre")
    return process


def test_the_anonymised_export_hides_who_contributed(client, contributions, moderators):
    client.force_login(moderators[0])

    response = client.get(reverse("participation_export", args=[contributions.pk, "csv"]))
    rows = read_csv(response)
    flat = " ".join(" ".join(row) for row in rows)

    assert response.status_code == 200
    assert MARK_EMAIL not in flat and "autre@example.org" not in flat
    assert "Jean" not in flat.replace("jean.dupont", "") and "Autre" not in flat.split("L'idée")[0]
    assert "06 12 34 56 78" not in flat and "jean.dupont@mail.fr" not in flat
    identifiers = [row[0] for row in rows[1:]]
    assert len(set(identifiers)) == 2, "one stable identifier per contributor"
    assert PageLogEntry.objects.filter(action="participation.export_anonymised", page=contributions).exists()


def test_the_anonymised_xlsx_export_is_a_workbook_without_emails(client, contributions, moderators):
    client.force_login(moderators[0])

    response = client.get(reverse("participation_export", args=[contributions.pk, "xlsx"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = " ".join(str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row)

    assert "Appelez-moi" in cells and MARK_EMAIL not in cells


def test_a_moderator_cannot_get_the_personal_data_export(client, contributions, moderators):
    client.force_login(moderators[0])

    response = client.post(
        reverse("participation_export_personal", args=[contributions.pk]),
        {"file_format": "csv", "reason": "Curiosité."},
    )

    assert response.status_code == 403
    assert not PageLogEntry.objects.filter(action="participation.export_personal_data").exists()


def test_staff_export_personal_data_with_a_reason_that_is_logged(client, contributions, staff_user):
    client.force_login(staff_user)
    url = reverse("participation_export_personal", args=[contributions.pk])

    without_reason = client.post(url, {"file_format": "csv", "reason": ""})
    assert without_reason.status_code == 200
    assert not PageLogEntry.objects.filter(action="participation.export_personal_data").exists()

    response = client.post(url, {"file_format": "csv", "reason": "Réponse à une demande d'accès d'un contributeur."})

    assert MARK_EMAIL in " ".join(" ".join(row) for row in read_csv(response))
    entry = PageLogEntry.objects.get(action="participation.export_personal_data")
    assert entry.user == staff_user and entry.page_id == contributions.pk
    assert entry.data["reason"] == "Réponse à une demande d'accès d'un contributeur."


def test_a_moderator_of_another_commune_cannot_export(client, contributions, nancy_moderator):
    client.force_login(nancy_moderator)

    assert client.get(reverse("participation_export", args=[contributions.pk, "csv"])).status_code == 404


def test_open_data_of_a_closed_process_is_anonymised(client, commune_space, legal_texts):
    closed = make_process(commune_space, "Consultation close", starts=-60, ends=-1)
    add(closed, "Une idée publiée, contact 06 12 34 56 78.", pseudonym="Pseudo-public")
    add(closed, "Une idée refusée.", status=ContributionStatus.REJECTED)

    csv_response = client.get(closed.url + "donnees/csv/")
    json_response = client.get(closed.url + "donnees/json/")
    page = client.get(closed.url).content.decode()

    content = b"".join(csv_response.streaming_content).decode()
    assert "Une idée publiée" in content and "Une idée refusée" not in content
    assert "Pseudo-public" not in content and MARK_EMAIL not in content and "06 12" not in content
    assert json.loads(b"".join(json_response.streaming_content))[0]["contribution"].startswith("Une idée publiée")
    assert "donnees/csv/" in page


def test_open_data_is_not_offered_for_an_open_process(client, process):
    assert client.get(process.url + "donnees/csv/").status_code == 404


# --- Data rights through the signed link -------------------------------------------------------------


def rights_link():
    return path_of(re.search(r"https?://\S+/participation/mes-donnees/\S+/", mail.outbox[-1].body).group(0))


def test_every_email_carries_the_personal_link_which_works_for_its_owner(client, process):
    submit(client, process, email=MARK_EMAIL)

    page = client.get(rights_link())

    assert page.status_code == 200
    assert "Planter des arbres" in page.content.decode()


def test_a_tampered_or_expired_personal_link_fails(client, process, settings):
    submit(client, process, email=MARK_EMAIL)
    link = rights_link()

    tampered = client.get(link[:-4] + "zz/")
    settings.DATA_RIGHTS_LINK_DAYS = -1
    expired = client.get(link)

    assert tampered.status_code == 400 and expired.status_code == 400
    assert "Planter" not in tampered.content.decode() + expired.content.decode()


def test_the_personal_link_does_not_carry_the_address(client, process):
    import base64

    submit(client, process, email=MARK_EMAIL)
    token = rights_link().rstrip("/").rsplit("/", 1)[1]

    decoded = base64.urlsafe_b64decode(token.split(":")[0] + "===").decode("latin-1")
    assert "marqueur" not in decoded.lower() and "marqueur" not in token.lower()


def test_one_contributors_link_cannot_withdraw_anothers_contribution(client, process):
    someone_else = add(process, "L'idée de quelqu'un d'autre.", email="autre@example.org")
    submit(client, process, email=MARK_EMAIL)

    asked = client.get(rights_link(), {"action": "withdraw", "contribution": someone_else.pk})
    response = client.post(rights_link(), {"action": "withdraw", "contribution": someone_else.pk, "confirmed": "oui"})

    assert (asked.status_code, response.status_code) == (404, 404)
    someone_else.refresh_from_db()
    assert someone_else.status == ContributionStatus.PUBLISHED


def test_withdrawing_takes_a_contribution_off_the_site(client, process):
    contribution = add(process, "Une idée que je retire.")
    submit(client, process, email=MARK_EMAIL)

    link = rights_link()

    # The button sends a GET: the page that asks is one a reload repeats without a word (issue 13's review).
    asked = client.get(link, {"action": "withdraw", "contribution": contribution.pk})
    posted = client.post(link, {"action": "withdraw", "contribution": contribution.pk})
    contribution.refresh_from_db()
    assert asked.status_code == 200 and "Oui, retirer cette contribution" in asked.content.decode()
    assert (posted.status_code, posted["Location"]) == (303, f"{link}?action=withdraw&contribution={contribution.pk}")
    assert "ne sera plus visible sur le site" in asked.content.decode()
    assert contribution.status == ContributionStatus.PUBLISHED, "the first click only asks (WCAG 3.3.4)"

    done = client.post(link, {"action": "withdraw", "contribution": contribution.pk, "confirmed": "oui"}, follow=True)

    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.WITHDRAWN
    assert done.redirect_chain == [(link, 303)], "a reload posts nothing again"
    assert "Votre contribution est retirée" in done.content.decode()
    assert "Une idée que je retire." not in client.get(process.url).content.decode()


def test_asking_to_erase_ones_data_erases_nothing_until_confirmed(client, process):
    submit(client, process, email=MARK_EMAIL, pseudonym="Pseudo-Marqueur")
    link = rights_link()

    asked = client.get(link, {"action": "erase", "keep_text": "on"})

    html = asked.content.decode()
    assert asked.status_code == 200 and "Oui, effacer mes données" in html
    assert "Cette action est définitive" in html and "restera sur le site, sans votre pseudonyme" in html
    assert 'name="keep_text" value="on"' in html, "the choice made is what the confirmation sends"
    assert text_columns_containing("marqueur.confidentiel") != []
    assert Contribution.objects.get().pseudonym == "Pseudo-Marqueur"


def text_columns_containing(value):
    """Every text column of the participation tables that still holds `value`."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name LIKE 'participation_%%' AND data_type IN ('text', 'character varying')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" ILIKE %s', [f"%{value}%"])
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


@pytest.mark.parametrize("keep_text", [False, True])
def test_erasure_leaves_nothing_of_the_erased_data(client, process, keep_text):
    add(process, "Texte publié de l'auteur marqué.", pseudonym="Pseudo-Marqueur")
    add(
        process,
        "Texte refusé de l'auteur marqué.",
        pseudonym="Pseudo-Marqueur",
        status=ContributionStatus.REJECTED,
        decision_reason="Réponse à Pseudo-Marqueur : refusé.",
    )
    submit(client, process, email=MARK_EMAIL, pseudonym="Pseudo-Marqueur")

    link = rights_link()
    done = client.post(
        link, {"action": "erase", "keep_text": "on" if keep_text else "", "confirmed": "oui"}, follow=True
    )

    assert done.redirect_chain == [(link, 303)]
    assert "Vos données personnelles sont effacées" in done.content.decode()

    assert text_columns_containing("marqueur.confidentiel") == []
    assert text_columns_containing("Pseudo-Marqueur") == []
    assert text_columns_containing("Texte refusé de l'auteur") == []
    assert bool(text_columns_containing("Texte publié de l'auteur")) == keep_text
    erasure_logs = " ".join(str(entry.data) + entry.label for entry in _contribution_logs())
    assert "marqueur" not in erasure_logs.lower()


def _contribution_logs():
    from participation.models import ContributionLogEntry

    return ContributionLogEntry.objects.filter(action="participation.personal_data_erased")


def test_the_contributor_downloads_what_is_stored_about_them(client, process):
    submit(client, process, email=MARK_EMAIL)

    response = client.get(rights_link() + "telecharger/")

    data = response.json()
    assert data["adresses_electroniques"] == [MARK_EMAIL]
    assert data["contributions"][0]["texte"].startswith("Planter des arbres")


def test_staff_handle_a_request_received_by_post(client, process, staff_user, moderators):
    add(process, "Texte d'une demande par courrier.", pseudonym="Pseudo-Courrier")
    client.force_login(moderators[0])
    refused = client.post(reverse("participation_data_rights"), {"email": MARK_EMAIL, "action": "erase"})
    assert refused.status_code == 403 and text_columns_containing("Pseudo-Courrier")

    client.force_login(staff_user)
    client.post(reverse("participation_data_rights"), {"email": MARK_EMAIL, "action": "erase"})

    assert text_columns_containing("Pseudo-Courrier") == []


# --- Retention ------------------------------------------------------------------------------------------


def test_purge_anonymises_exactly_what_is_past_retention(commune_space, legal_texts, settings, capsys):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    old = make_process(commune_space, "Ancienne démarche", starts=-90, ends=-31)
    recent = make_process(commune_space, "Démarche récente", starts=-60, ends=-29)
    expired = add(old, "Une idée ancienne.", pseudonym="Ancien")
    kept = add(recent, "Une idée récente.", pseudonym="Récent")
    unconfirmed = add(
        recent, "Jamais confirmée.", status=ContributionStatus.AWAITING_CONFIRMATION, email="x@example.org"
    )
    Contribution.objects.filter(pk=unconfirmed.pk).update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    # Reporters' fingerprints follow the contribution's personal data, however old the report.
    forgotten = Report.objects.create(contribution=expired, rule_key="respect", reporter_hash="empreinte")
    report = Report.objects.create(contribution=kept, rule_key="respect", reporter_hash="empreinte")
    Report.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))

    call_command("purge_personal_data", "--dry-run")
    assert "Would change: 1 contribution(s) anonymised, 1 unconfirmed" in capsys.readouterr().out
    assert Contribution.objects.get(pk=expired.pk).email == MARK_EMAIL, "--dry-run changes nothing"

    call_command("purge_personal_data")
    expired.refresh_from_db()
    kept.refresh_from_db()
    assert (expired.email, expired.pseudonym) == ("", "Anonyme")
    assert expired.text == "Une idée ancienne.", "published text stays, without its author"
    assert kept.email == MARK_EMAIL
    assert not Contribution.objects.filter(pk=unconfirmed.pk).exists()
    assert Report.objects.get(pk=forgotten.pk).reporter_hash == f"purged-{forgotten.pk}"
    assert Report.objects.get(pk=report.pk).reporter_hash == "empreinte", "kept while the contribution's data is"

    call_command("purge_personal_data")
    assert "Changed: 0 contribution(s) anonymised, 0 unconfirmed" in capsys.readouterr().out.splitlines()[-1]


def test_questionnaire_answers_are_exported_masked(client, process, moderators):
    from wagtail.contrib.forms.models import FormSubmission

    from participation.demo import add_questionnaire

    add_questionnaire(
        process, {"title": "Vos avis", "fields": [{"label": "Avis", "field_type": "multiline", "required": True}]}
    )
    questionnaire = process.get_children().get().specific
    FormSubmission.objects.create(page=questionnaire, form_data={"avis": "Rappelez-moi au 06 12 34 56 78."})
    client.force_login(moderators[0])

    csv_rows = read_csv(
        client.get(reverse("participation_export", args=[process.pk, "csv"]), {"questionnaire": questionnaire.pk})
    )
    workbook = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("participation_export", args=[process.pk, "xlsx"])).streaming_content)),
        read_only=True,
    )

    assert csv_rows[1][2] == "Rappelez-moi au [téléphone masqué]."
    assert "Vos avis" in workbook.sheetnames


def test_editors_cannot_read_raw_questionnaire_answers(client, process, essey_editor, staff_user):
    from participation.demo import add_questionnaire

    add_questionnaire(
        process, {"title": "Vos avis", "fields": [{"label": "Avis", "field_type": "singleline", "required": True}]}
    )
    questionnaire = process.get_children().get()
    url = reverse("wagtailforms:list_submissions", args=[questionnaire.pk])

    client.force_login(essey_editor)
    editor = client.get(url)
    client.force_login(staff_user)
    staff = client.get(url)

    assert editor.status_code in (302, 403) and editor.status_code != staff.status_code
    assert staff.status_code == 200


def test_meeting_registrations_are_deleted_after_retention(commune_space, legal_texts, settings):
    from participation.models import EventRegistration
    from participation.services.personal_data import purge_personal_data

    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    long_ago = datetime.datetime(2020, 5, 1, 18, tzinfo=datetime.UTC)
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=10)
    old = make_process(
        commune_space, "Ancienne réunion", starts=-2000, ends=-1900, event_starts_at=long_ago, event_capacity=5
    )
    new = make_process(commune_space, "Prochaine réunion", event_starts_at=soon, event_capacity=5)
    EventRegistration.objects.create(process=old, name="Ancien", email="ancien@example.org")
    EventRegistration.objects.create(process=new, name="Nouveau", email="nouveau@example.org")

    counts = purge_personal_data()

    assert counts["registrations_deleted"] == 1
    assert list(EventRegistration.objects.values_list("name", flat=True)) == ["Nouveau"]


def test_fingerprints_hold_no_address_no_day_and_no_link_between_contributions(monkeypatch):
    from django.utils import timezone

    from participation.services.abuse import client_fingerprint, reporter_fingerprint

    today = reporter_fingerprint(7, "192.0.2.10"), client_fingerprint("192.0.2.10")
    later = timezone.now() + datetime.timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: later.date())

    assert (reporter_fingerprint(7, "192.0.2.10"), client_fingerprint("192.0.2.10")) == today
    assert reporter_fingerprint(8, "192.0.2.10") != today[0], "one client's reports of two contributions"
    assert reporter_fingerprint(7, "2001:db8::1") == reporter_fingerprint(7, "2001:db8::2:3"), "one IPv6 /64"
    assert not any("192.0.2.10" in fingerprint for fingerprint in today)
