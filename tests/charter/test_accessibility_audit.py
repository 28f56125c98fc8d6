"""The RGAA audit kept in the repository, the statement generated from it and the mention every page's footer says.

Before: the mention was a field staff picked by hand ("partiellement" with no audit behind it), and the statement
lacked the rate, the non-conformities, the pages checked, the test environment and a contact on the page.
"""

import dataclasses
import datetime
import html
import json
import re
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import strip_tags

from charter import accessibility
from charter.accessibility import AUDIT_FILE, Criterion, problems, read_audit, site_audit
from charter.models import LegalTextKind, LegalTextVersion
from home.models import MetropoleSettings
from tests.conftest import body

# RGAA 4.1.2 (accessibilite.numerique.gouv.fr, RGAA/4.1/criteres.json), written out again here on purpose.
RGAA_4_1_THEMES = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11, 13: 12}


def audit_data():
    return json.loads(AUDIT_FILE.read_text(encoding="utf-8"))


def squash(text):
    return re.sub(r"\s+", " ", text)


def text_of(response):
    return squash(html.unescape(strip_tags(response.content.decode())))


def with_statuses(audit, statuses):
    """The same audit with these statuses, in order (the rest not applicable)."""
    statuses = list(statuses) + ["NA"] * (len(audit.criteria) - len(statuses))
    criteria = [
        dataclasses.replace(c, status=s, pages=("home",) if s == "NC" else ())
        for c, s in zip(audit.criteria, statuses, strict=True)
    ]
    return dataclasses.replace(audit, criteria=tuple(criteria))


@pytest.fixture
def audit_is(monkeypatch):
    def use(audit):
        monkeypatch.setattr(accessibility, "site_audit", lambda: audit)
        return audit

    return use


# --- The grid -------------------------------------------------------------------------------------------------


def test_the_audit_holds_the_106_criteria_of_rgaa_4_1_each_with_a_status_and_a_justification():
    data = audit_data()
    numbers = [criterion["number"] for criterion in data["criteria"]]

    assert len(numbers) == 106
    for theme, count in RGAA_4_1_THEMES.items():
        assert [n for n in numbers if n.split(".")[0] == str(theme)] == [f"{theme}.{i}" for i in range(1, count + 1)]
    assert {criterion["status"] for criterion in data["criteria"]} <= {"C", "NC", "NA"}
    assert all(len(criterion["justification"]) > 10 for criterion in data["criteria"])
    assert problems(data) == []
    assert {page["url"] for page in data["pages"]} >= {"/", "/mentions-legales/", "/accessibilite/", "/connexion/"}


def test_the_rate_counts_conforming_criteria_among_the_applicable_ones():
    data = audit_data()
    conforming = sum(c["status"] == "C" for c in data["criteria"])
    failing = sum(c["status"] == "NC" for c in data["criteria"])

    audit = site_audit()

    assert audit.rate == Fraction(conforming, conforming + failing)
    tenths = 1000 * conforming // (conforming + failing)  # rounded down: never 100 % before it is
    assert audit.rate_label == f"{tenths // 10},{tenths % 10}\u00a0%".replace(",0\u00a0", "\u00a0")


@pytest.mark.parametrize(
    ("statuses", "mention", "label"),
    [
        (["C"] * 61, "totalement conforme", "100\u00a0%"),
        (["C"] * 60 + ["NC"], "partiellement conforme", "98,3\u00a0%"),
        (["C"] * 5 + ["NC"] * 5, "partiellement conforme", "50\u00a0%"),
        (["C"] * 4 + ["NC"] * 5, "non conforme", "44,4\u00a0%"),
    ],
)
def test_the_status_follows_the_rate(statuses, mention, label):
    audit = with_statuses(site_audit(), statuses)

    assert audit.status_on(audit.audited_on).label == mention
    assert audit.rate_label == label


def test_an_audit_older_than_three_years_makes_the_site_non_conforming():
    audit = with_statuses(site_audit(), ["C"] * 61)

    assert audit.status_on(audit.audited_on + datetime.timedelta(days=365 * 3 - 1)).label == "totalement conforme"
    assert audit.status_on(audit.audited_on + datetime.timedelta(days=366 * 3)).label == "non conforme"


@pytest.mark.parametrize(
    "break_it",
    [
        lambda data: data["criteria"].pop(40),
        lambda data: data["criteria"][3].update(number="1.10"),
        lambda data: data["criteria"][0].update(status="partiel"),
        lambda data: data["criteria"][0].update(status="NC", pages=[]),
        lambda data: data["criteria"][0].update(status="NC", pages=["nulle-part"]),
        lambda data: data["criteria"][5].update(justification=" "),
    ],
)
def test_a_broken_grid_is_refused_by_the_check_command(tmp_path, break_it):
    data = audit_data()
    break_it(data)
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    assert problems(data)
    with pytest.raises(CommandError):
        call_command("check_rgaa_audit", str(path))


def test_the_check_command_prints_the_rate_and_the_mention(capsys):
    call_command("check_rgaa_audit")

    out = capsys.readouterr().out
    assert f"Taux : {site_audit().rate_label}" in out
    assert str(site_audit().status_on().label) in out
    assert read_audit().counts == site_audit().counts


# --- The statement and the footer -------------------------------------------------------------------------------


def test_the_statement_shows_the_staff_text_then_the_audit_with_its_rate_and_non_conformities(
    client, portal, publish_text
):
    publish_text(LegalTextKind.ACCESSIBILITY, "2026-03-01", text="Texte rédigé par la Mission.")
    audit = site_audit()

    page = text_of(client.get("/accessibilite/"))

    assert page.index("Texte rédigé par la Mission.") < page.index("État de conformité")
    assert f"La plateforme est {audit.status_on().label} avec le référentiel" in page
    rate = squash(audit.rate_label)
    assert "L'audit de conformité du 1er décembre 2026 (auto-évaluation" in page
    assert f"{rate} des critères du RGAA version {audit.reference} sont respectés" in page
    assert "Cette déclaration a été établie le 1er mars 2026." in page
    for number, title, criteria in audit.non_conforming_by_theme():
        section = page.split(f"{number}. {title}")[-1]
        for criterion in criteria:
            assert squash(f"Critère {criterion.number} ({criterion.title}) : {criterion.justification}") in section
    for heading in [
        "Dérogations pour charge disproportionnée",
        "Contenus non soumis à l'obligation d'accessibilité",
        "Technologies utilisées pour la réalisation du site",
        "Environnement de test",
        "Outils pour évaluer l'accessibilité",
        "Pages du site ayant fait l'objet de la vérification de conformité",
        "Retour d'information et contact",
        "Voies de recours",
    ]:
        assert heading in page, heading
    assert "Chromium" in page and "Défenseur des droits" in page
    assert "participation@example.org" in page, "the Mission's address, from the Métropole's identity"
    assert "schéma pluriannuel de mise en accessibilité n'est pas encore publié" in page
    assert all(p.title in page for p in audit.pages)


def test_the_statement_links_to_the_multi_year_plan_set_in_the_identity(client, portal, publish_text):
    publish_text(LegalTextKind.ACCESSIBILITY, "2026-03-01")
    identity = MetropoleSettings.for_site(portal.get_site())
    identity.accessibility_plan_url = "https://example.org/schema-pluriannuel"
    identity.save()

    assert 'href="https://example.org/schema-pluriannuel"' in client.get("/accessibilite/").content.decode()


def test_an_archived_statement_keeps_what_it_declared_and_not_the_new_audit(client, portal, publish_text):
    old = publish_text(LegalTextKind.ACCESSIBILITY, "2025-09-01", accessibility_status="non")
    publish_text(LegalTextKind.ACCESSIBILITY, "2026-03-01")

    archived = text_of(client.get(old.get_url()))

    assert "État de conformité déclaré dans cette version : le site est non conforme" in archived
    assert "des critères du RGAA" not in archived


@pytest.mark.parametrize(
    ("statuses", "mention"),
    [(["C"] * 61, "totalement conforme"), (["C"] * 4 + ["NC"] * 5, "non conforme"), (None, None)],
)
def test_every_page_s_footer_says_the_mention_the_audit_gives(client, portal, all_texts, audit_is, statuses, mention):
    if statuses:
        audit_is(with_statuses(site_audit(), statuses))
    mention = mention or site_audit().status_on().label

    for url in ["/", "/cgu/", "/recherche/?q=parc"]:
        assert f"Accessibilité : {mention}</a>" in client.get(url).content.decode(), url


def test_staff_no_longer_pick_the_mention_in_the_admin(client, staff_user):
    client.force_login(staff_user)

    form = client.get("/admin/snippets/charter/legaltextversion/add/").content.decode()

    assert 'name="accessibility_status"' not in form


def test_a_new_statement_version_no_longer_needs_a_hand_picked_status(db):
    LegalTextVersion(
        kind=LegalTextKind.ACCESSIBILITY, effective_on=datetime.date(2026, 3, 1), body=body("Texte.")
    ).full_clean()


def test_the_checked_criteria_are_ordered_by_theme_for_the_grid():
    audit = site_audit()

    assert [number for number, _title, _criteria in audit.by_theme()] == list(range(1, 14))
    assert isinstance(audit.criteria[0], Criterion) and audit.criteria[0].number == "1.1"


def test_every_page_of_the_sample_is_a_page_of_the_demo(client, demo):
    """The sample names real pages: a renamed one would leave the audit speaking of nothing."""
    for page in site_audit().pages:
        if page.is_link:
            assert client.get(page.url).status_code == 200, page.url


def test_django_s_checks_fail_on_a_broken_grid(monkeypatch, tmp_path):
    data = audit_data()
    data["criteria"].pop()
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    assert accessibility.check_audit_file() == []
    monkeypatch.setattr(accessibility, "AUDIT_FILE", path)
    errors = accessibility.check_audit_file()
    assert errors and {error.id for error in errors} == {"charter.E001"}
    assert "105 criteria instead of 106." in [error.msg for error in errors]


def test_an_audit_dated_29_february_holds_until_1_march_three_years_later():
    """Before (review): three years after 29 February raised ValueError in every page's footer."""

    from charter.accessibility import AccessibilityStatus, site_audit

    audit = dataclasses.replace(site_audit(), audited_on=datetime.date(2028, 2, 29))

    assert audit.status_on(datetime.date(2031, 2, 28)) != AccessibilityStatus.NONE
    assert audit.status_on(datetime.date(2031, 3, 1)) == AccessibilityStatus.NONE


def test_an_audit_where_no_criterion_applies_reads_without_a_rate():
    """Before (review): the statement's rate label failed (a 500) when no criterion applied."""

    from charter.accessibility import NOT_APPLICABLE, AccessibilityStatus, site_audit

    audit = site_audit()
    none_applies = dataclasses.replace(
        audit, criteria=tuple(dataclasses.replace(c, status=NOT_APPLICABLE, pages=()) for c in audit.criteria)
    )

    assert none_applies.status_on() == AccessibilityStatus.NONE
    assert none_applies.rate_label == "sans objet"
