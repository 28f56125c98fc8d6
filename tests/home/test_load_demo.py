import re

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

from communes.models import Commune, CommuneSpacePage
from home.models import HomePage, MetropoleSettings


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
    }


def test_load_demo_creates_the_portal_and_the_twenty_communes(db):
    call_command("load_demo")

    portal = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == portal.pk
    assert Commune.objects.count() == 20
    assert CommuneSpacePage.objects.child_of(portal).count() == 20
    live_spaces = CommuneSpacePage.objects.live().child_of(portal).values_list("slug", flat=True)
    assert sorted(live_spaces) == ["essey-les-nancy", "laxou", "nancy", "vandoeuvre-les-nancy"]
    assert MetropoleSettings.for_site(portal.get_site()).name == "Métropole du Grand Nancy"
    assert not Page.objects.filter(slug="home", depth=2).exists(), "Wagtail's welcome page is replaced"
    nancy = Commune.objects.get(insee_code="54395")
    assert (nancy.name, nancy.slug, nancy.postal_codes, nancy.population) == ("Nancy", "nancy", "54000 54100", 104260)
    assert sum(Commune.objects.values_list("population", flat=True)) == 257412


def test_load_demo_twice_gives_the_same_database(db):
    call_command("load_demo")
    first = database_snapshot()

    call_command("load_demo")

    assert database_snapshot() == first


def test_load_demo_keeps_what_staff_changed_in_the_admin(db):
    call_command("load_demo")
    metropole = MetropoleSettings.objects.get()
    metropole.name = "Métropole renommée"
    metropole.save()

    call_command("load_demo")

    assert MetropoleSettings.objects.get().name == "Métropole renommée"


def test_demo_site_serves_each_commune_space(client, db):
    call_command("load_demo")

    home = client.get("/").content.decode()
    for slug in ("essey-les-nancy", "nancy", "vandoeuvre-les-nancy"):
        assert f'href="/{slug}/"' in home
        assert client.get(f"/{slug}/").status_code == 200


def test_demo_admin_prints_a_login_that_works_and_resets_it_on_each_run(db, capsys):
    call_command("demo_admin")
    first_password = re.search(r"password: (\S+)", capsys.readouterr().out).group(1)
    call_command("demo_admin")
    second_password = re.search(r"password: (\S+)", capsys.readouterr().out).group(1)

    assert get_user_model().objects.filter(username="admin").count() == 1
    assert authenticate(username="admin", password=first_password) is None
    user = authenticate(username="admin", password=second_password)
    assert user is not None and user.is_superuser
