import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from wagtail.models import GroupPagePermission, ModelLogEntry, Page, PageLogEntry, Revision, Site

from charter.accessibility import accessibility_mention
from charter.models import LegalTextKind, LegalTextVersion
from charter.services import current_charter_rules, current_versions
from communes.models import (
    Commune,
    CommuneGroup,
    CommuneRole,
    CommuneSpacePage,
    Convention,
    ConventionTextNotification,
    PipelineStage,
    ProviderContract,
    pipeline_by_commune,
)
from communes.roles import STAFF_GROUP_NAME
from home.models import HomePage, MetropoleSettings
from participation.models import (
    AnswerStatus,
    Comment,
    Contribution,
    ContributionStatus,
    ProcessPage,
    Support,
)


def database_snapshot():
    """What load_demo writes, as plain values, to compare two runs."""
    return {
        "pages": list(
            Page.objects.order_by("path").values_list("path", "slug", "title", "live", "content_type__model")
        ),
        "revisions": Revision.objects.count(),
        "communes": list(
            Commune.objects.order_by("insee_code").values_list(
                "insee_code", "name", "slug", "postal_codes", "population", "population_year"
            )
        ),
        "sites": list(Site.objects.values_list("hostname", "port", "root_page_id", "is_default_site")),
        "metropole": list(MetropoleSettings.objects.values_list("site_id", "name", "address", "mission_email")),
        "conventions": list(Convention.objects.order_by("pk").values()),
        "contracts": list(ProviderContract.objects.values()),
        "groups": list(Group.objects.order_by("name").values_list("name", flat=True)),
        "page_permissions": GroupPagePermission.objects.count(),
        "notifications": ConventionTextNotification.objects.count(),
        "legal_texts": list(LegalTextVersion.objects.order_by("kind", "number").values_list("kind", "number", "live")),
        "log_entries": PageLogEntry.objects.count() + ModelLogEntry.objects.count(),
    }


def test_load_demo_creates_the_portal_and_the_twenty_communes(demo):
    portal = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == portal.pk
    assert Commune.objects.count() == 20
    assert CommuneSpacePage.objects.child_of(portal).count() == 20
    live_spaces = CommuneSpacePage.objects.live().child_of(portal).values_list("slug", flat=True)
    assert sorted(live_spaces) == ["essey-les-nancy", "laxou", "malzeville", "nancy", "vandoeuvre-les-nancy"]
    assert MetropoleSettings.for_site(portal.get_site()).name == "Métropole du Grand Nancy"
    assert not Page.objects.filter(slug="home", depth=2).exists(), "Wagtail's welcome page is replaced"
    nancy = Commune.objects.get(insee_code="54395")
    assert (nancy.name, nancy.slug, nancy.postal_codes, nancy.population) == ("Nancy", "nancy", "54000 54100", 104260)
    assert sum(Commune.objects.values_list("population", flat=True)) == 257412


def test_load_demo_tells_each_commune_story(client, demo):
    pipeline = pipeline_by_commune()

    def stage(insee_code):
        entry = pipeline.get(Commune.objects.get(insee_code=insee_code).pk)
        return entry.stage if entry else PipelineStage.NONE

    essey = Convention.objects.get(commune__insee_code="54184")
    assert (essey.commune_deliberation_on, essey.signed_on, essey.notified_on) == (
        datetime.date(2022, 3, 28),
        datetime.date(2022, 3, 29),
        datetime.date(2022, 3, 29),
    )
    assert (essey.signatory_name, essey.metropole_deliberation_on) == ("Michel Breuille", datetime.date(2021, 9, 23))
    assert ProviderContract.objects.in_force_on(datetime.date.today()).filter(provider__contains="OSP").exists()
    for insee_code in ("54184", "54395", "54547", "54304"):
        assert stage(insee_code) == PipelineStage.ACTIVE
        assert ProcessPage.objects.live().descendant_of(Commune.objects.get(insee_code=insee_code).space).exists()
    assert stage("54339") == PipelineStage.ACTIVE  # Malzéville, just joined: its space is online, empty
    assert not ProcessPage.objects.descendant_of(Commune.objects.get(insee_code="54339").space).exists()
    assert stage("54357") == PipelineStage.ENDED  # Maxéville, terminated
    assert stage("54526") == PipelineStage.ENDED  # Tomblaine, revoked
    assert "fictif" in Convention.objects.get(commune__insee_code="54526").revocation_reason
    assert stage("54328") == PipelineStage.REQUESTED  # Ludres
    assert stage("54025") == PipelineStage.NONE
    maxeville_process = ProcessPage.objects.descendant_of(Commune.objects.get(insee_code="54357").space).get()
    assert maxeville_process.first_published_at is not None and not maxeville_process.live
    assert client.get("/maxeville/").status_code == 404
    assert client.get(maxeville_process.url_path.replace("/accueil", "", 1)).status_code == 404
    assert Group.objects.filter(name=STAFF_GROUP_NAME).exists()
    assert CommuneGroup.objects.filter(role=CommuneRole.EDITORS).count() == 20


def test_load_demo_publishes_the_five_legal_texts_and_a_second_cgu(client, demo):
    current = current_versions()

    assert set(current) == set(LegalTextKind)
    assert current[LegalTextKind.TERMS].number == 2
    assert LegalTextVersion.objects.filter(kind=LegalTextKind.TERMS, live=True).count() == 2
    rules = dict(current_charter_rules())
    assert {"respect", "diffamation", "discrimination", "publicite", "donnees-tiers", "hors-sujet", "une-idee"} <= set(
        rules
    )
    privacy = client.get("/donnees-personnelles/").content.decode()
    for topic in ("Responsable de traitement", "Finalités et base légale", "Destinataires", "Durée de conservation"):
        assert topic in privacy
    assert "CNIL" in privacy
    legal_notice = client.get("/mentions-legales/").content.decode()
    assert "Directeur de la publication" in legal_notice and "Hébergeur" in legal_notice
    assert f"Accessibilité : {accessibility_mention()}" in client.get("/").content.decode()
    statement = client.get("/accessibilite/").content.decode()
    assert "des critères du RGAA" in statement and "aucun audit" not in statement
    history = client.get("/cgu/versions/").content.decode()
    assert 'href="/cgu/versions/1/"' in history and 'href="/cgu/versions/2/"' in history


def test_load_demo_gives_processes_of_each_kind_and_contributions_in_each_state(client, demo):
    from participation.models import Contribution, ContributionStatus, ProcessState, Report

    processes = list(ProcessPage.objects.live().with_schedule())
    states = {process.state for process in processes}
    assert {ProcessState.OPEN, ProcessState.UPCOMING, ProcessState.CLOSED} <= states
    essey_idea_call = ProcessPage.objects.get(slug="imaginons-ensemble-nos-cours-decole")
    assert essey_idea_call.state == ProcessState.OPEN and essey_idea_call.accepts_contributions
    assert any(process.is_internal for process in processes)
    assert any(process.has_event for process in processes)
    statuses = set(Contribution.objects.values_list("status", flat=True))
    assert {
        ContributionStatus.PUBLISHED,
        ContributionStatus.AWAITING_MODERATION,
        ContributionStatus.REJECTED,
    } <= statuses
    assert Report.objects.exists()
    html = client.get(essey_idea_call.url).content.decode()
    assert "Maman de CE1" in html
    assert not re.search(r"contributeur\d+-\d+@example\.org", html), "demo emails stay private"


def test_load_demo_gives_supports_comments_answers_and_results(demo):
    """What `make run` shows of issue 14: supported and discussed ideas, the communes' answers, a closed process's
    results; the counters agree with the rows they count."""
    for contribution in Contribution.objects.all():
        assert contribution.support_count == contribution.supports.count()
        published = contribution.comments.filter(status=ContributionStatus.PUBLISHED).count()
        assert contribution.comment_count == published
    assert Support.objects.count() >= 50
    assert Comment.objects.filter(parent__isnull=False, status=ContributionStatus.PUBLISHED).exists()  # a reply
    assert Comment.objects.filter(status=ContributionStatus.AWAITING_MODERATION).exists()
    assert set(Contribution.objects.exclude(answer_status="").values_list("answer_status", flat=True)) == {
        AnswerStatus.UNDER_STUDY,
        AnswerStatus.RETAINED,
        AnswerStatus.DONE,
    }
    charmois = ProcessPage.objects.get(title__startswith="Parc du Charmois")
    assert "parcours sportif" in charmois.results and charmois.results_published_on < datetime.date.today()
    budget = ProcessPage.objects.get(title="Budget participatif 2027")
    assert budget.supports_per_person == 5
    assert [phase.accepts_supports for phase in budget.phases.order_by("starts_on")] == [False, True]


def test_admin_shows_the_pipeline_of_the_demo_communes(admin_client, demo):
    listing = admin_client.get(reverse("wagtailsnippets_communes_commune:list")).content.decode()
    ended = admin_client.get(reverse("wagtailsnippets_communes_commune:list"), {"stage": "ended"})
    ended_rows = BeautifulSoup(ended.content, "html.parser").select("tbody tr")

    for label in ("Convention active", "Convention terminée", "Demande reçue", "Aucune demande"):
        assert label in listing
    assert [row.find("a").get_text(strip=True) for row in ended_rows] == ["Maxéville", "Tomblaine"]


def test_load_demo_twice_gives_the_same_database(demo):
    first = database_snapshot()

    call_command("load_demo")

    assert database_snapshot() == first


def test_load_demo_keeps_what_staff_changed_in_the_admin(demo):
    metropole = MetropoleSettings.objects.get()
    metropole.name = "Métropole renommée"
    metropole.save()
    Commune.objects.filter(insee_code="54395").update(name="Nancy (ville-centre)", population=105000)

    call_command("load_demo")

    assert MetropoleSettings.objects.get().name == "Métropole renommée"
    nancy = Commune.objects.get(insee_code="54395")
    assert (nancy.name, nancy.population) == ("Nancy (ville-centre)", 105000)


def test_demo_admin_refuses_to_reset_accounts_on_a_shared_database(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False  # the tests run on PostgreSQL: a "shared" database

    with pytest.raises(CommandError, match="refused on this database"):
        call_command("demo_admin")
    assert not get_user_model().objects.filter(username="admin").exists()


def test_demo_site_serves_each_commune_space(client, demo):
    home = client.get("/").content.decode()
    for slug in ("essey-les-nancy", "nancy", "vandoeuvre-les-nancy"):
        assert f'href="/{slug}/"' in home
        assert client.get(f"/{slug}/").status_code == 200


def printed_login(capsys):
    out = capsys.readouterr().out
    password = re.search(r"password: (\S+)", out).group(1)
    codes = re.search(r"one-time codes: (.+)", out).group(1).split()
    return password, codes


def sign_in_to_admin(client, username, password):
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})


def enter_code(client, code):
    return client.post("/admin/2fa/auth", {"otp_token": code, "next": "/admin/"})


def test_demo_admin_prints_a_login_that_works_and_resets_it_on_each_run(client, db, capsys):
    call_command("demo_admin", "--force")
    first_password, first_codes = printed_login(capsys)
    call_command("demo_admin", "--force")
    password, codes = printed_login(capsys)

    assert get_user_model().objects.filter(username="admin").count() == 1
    assert len(codes) == 5 and not set(codes) & set(first_codes)
    assert sign_in_to_admin(client, "admin", first_password).status_code == 200  # refused: the form again
    assert sign_in_to_admin(client, "admin", password).status_code == 302
    # A superuser passes the second factor: a code of the previous run is refused, a printed one lets them in.
    assert client.get("/admin/").url.startswith("/admin/2fa/auth")
    assert enter_code(client, first_codes[0]).status_code == 200
    # A second later (django-otp makes a device wait a second after a wrong code).
    StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert enter_code(client, codes[0]).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_demo_admin_prints_the_address_make_run_serves_on(db, capsys, settings):
    """`make run PORT=8031` printed its admin login on port 8000."""
    call_command("demo_admin", "--force", "--url", "http://127.0.0.1:8031/admin/")
    given = capsys.readouterr().out
    settings.WAGTAILADMIN_BASE_URL = "http://localhost:8032"
    call_command("demo_admin", "--force")
    default = capsys.readouterr().out

    assert "Admin login: http://127.0.0.1:8031/admin/ " in given
    assert "Admin login: http://localhost:8032/admin/ " in default
    assert ":8000" not in given + default


def test_each_demo_code_lets_one_sign_in_through(client, db, capsys):
    call_command("demo_admin", "--force")
    password, codes = printed_login(capsys)
    sign_in_to_admin(client, "admin", password)
    enter_code(client, codes[0])
    client.logout()

    sign_in_to_admin(client, "admin", password)

    assert enter_code(client, codes[0]).status_code == 200  # used up
    assert client.get("/admin/").url.startswith("/admin/2fa/auth")


def test_demo_admin_takes_its_password_from_the_environment_when_given(db, capsys, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "un-mot-de-passe-de-demo")

    call_command("demo_admin", "--force")

    password, _codes = printed_login(capsys)
    assert password == "un-mot-de-passe-de-demo"
    assert get_user_model().objects.get(username="admin").check_password("un-mot-de-passe-de-demo")


def test_demo_admin_also_resets_an_editor_of_essey(client, demo, capsys):
    call_command("demo_admin", "--force")
    password, _codes = printed_login(capsys)

    assert sign_in_to_admin(client, "editeur.essey", password).status_code == 302
    # A commune editor needs no second factor.
    assert client.get("/admin/").status_code == 200
    editor = get_user_model().objects.get(username="editeur.essey")
    assert not editor.is_superuser
    assert editor.groups.filter(commune_role__commune__insee_code="54184", commune_role__role="editors").exists()


def test_demo_admin_unlocks_the_demo_accounts(client, db, capsys):
    call_command("demo_admin", "--force")
    password, _codes = printed_login(capsys)
    for _ in range(5):
        sign_in_to_admin(client, "admin", "wrong-password")
    assert sign_in_to_admin(client, "admin", password).status_code == 429

    call_command("demo_admin", "--force")
    password, _codes = printed_login(capsys)

    assert sign_in_to_admin(client, "admin", password).status_code == 302


def test_the_demo_site_answers_at_the_public_address_so_feeds_and_sitemap_links_work(client, settings, demo):
    # The demo was loaded with the default PUBLIC_BASE_URL, the address `make run` serves on.
    assert settings.PUBLIC_BASE_URL == "http://127.0.0.1:8000"
    process = ProcessPage.objects.get(slug="imaginons-ensemble-nos-cours-decole")

    assert process.full_url == "http://127.0.0.1:8000/essey-les-nancy/imaginons-ensemble-nos-cours-decole/"
    assert "http://127.0.0.1:8000/essey-les-nancy/" in client.get("/sitemap.xml").content.decode()


def test_an_address_set_in_the_admin_survives_the_demo_loader(demo):
    Site.objects.filter(is_default_site=True).update(hostname="jeparticipe.example.fr", port=443)

    call_command("load_demo", stdout=None)

    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("jeparticipe.example.fr", 443)
