"""Anonymous visitors are served from the page cache (core.pagecache); nothing stale breaks a rule, nothing
personal is kept (communes.caching says what each event forgets).

Each purge test first puts the page in the cache (a second GET answers without a query), then makes the change
the way the site makes it (a service, a revision, a command), and reads the page right after.
"""

import datetime
import gzip
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.frontend_cache.backends.base import BaseBackend
from wagtail.models import PageViewRestriction

from charter.models import LegalTextKind
from communes import signals as commune_signals
from communes import tree
from communes.models import CommuneRole, Convention
from core import pagecache
from core.pagecache import seconds_until_midnight
from core.typography import french_date
from home.models import MetropoleSettings
from participation.models import ContributionStatus, ProcessPage
from participation.services import moderation
from participation.services.participants import confirm_participant, pass_token
from participation.services.personal_data import erase_personal_data, purge_personal_data, withdraw
from tests.conftest import commune_group
from tests.participation.conftest import add_comment, add_contribution, make_process

pytestmark = pytest.mark.usefixtures("page_cache")

SESSION_WARNING = "js/session.js"


def cached(client, url, **headers):
    """GET `url` twice: the second answer comes from the cache, without a query."""
    first = client.get(url, **headers)
    assert first.status_code == 200, url
    return first


def assert_served_from_cache(client, url, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200
    return response


def text(response):
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content).decode()
    return response.content.decode()


# --- Served from the cache ---------------------------------------------------------------------------------


def test_a_second_anonymous_visit_reads_neither_the_session_nor_the_database(
    client, process, django_assert_num_queries
):
    add_contribution(process, "Planter des arbres dans la cour.")
    first = cached(client, process.url)

    again = assert_served_from_cache(client, process.url, django_assert_num_queries)

    assert text(again) == text(first) and "Planter des arbres" in text(again)
    assert re.fullmatch(r"public, max-age=0, s-maxage=\d+", again["Cache-Control"])
    assert {"Cookie", "Accept-Encoding"} <= {part.strip() for part in again["Vary"].split(",")}
    assert again["ETag"].startswith('W/"') and not again.cookies


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Permissions-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def test_a_page_served_from_the_cache_carries_the_security_headers_of_the_rendered_one(
    client, process, django_assert_num_queries
):
    first = cached(client, process.url)

    again = assert_served_from_cache(client, process.url, django_assert_num_queries)

    for name in SECURITY_HEADERS:
        assert first.has_header(name), name
        assert again[name] == first[name], name


def test_anonymous_pages_are_gzipped_and_answer_304_when_unchanged(client, process, django_assert_num_queries):
    page = client.get(process.url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert page["Content-Encoding"] == "gzip" and "Vos idées pour la cour." in text(page)

    with django_assert_num_queries(0):
        unchanged = client.get(process.url, HTTP_IF_NONE_MATCH=page["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""

    add_contribution(process, "Une idée de plus.")
    changed = client.get(process.url, HTTP_IF_NONE_MATCH=page["ETag"])
    assert changed.status_code == 200 and "Une idée de plus." in text(changed)


def test_the_age_a_front_cache_may_keep_a_page_never_passes_midnight(client, process, monkeypatch):
    paris = timezone.get_current_timezone()
    late = datetime.datetime.combine(datetime.date(2026, 6, 30), datetime.time(23, 59, 30), paris)
    monkeypatch.setattr(timezone, "now", lambda: late)
    assert seconds_until_midnight() == 30

    response = client.get(process.url)

    assert int(response["Cache-Control"].rsplit("=", 1)[1]) <= 30


def test_a_convention_ending_today_takes_the_cached_pages_offline_at_midnight_with_no_job(
    client, process, on_day, django_assert_num_queries
):
    convention = Convention.objects.get(commune=process.get_parent().specific.commune)
    convention.termination_letter_on = datetime.date(2026, 11, 20)
    convention.termination_effective_on = datetime.date(2027, 1, 1)
    convention.save()
    on_day(datetime.date(2026, 12, 31))
    cached(client, process.url)
    assert_served_from_cache(client, process.url, django_assert_num_queries)

    on_day(datetime.date(2027, 1, 1))  # midnight passed: no job ran, nothing was saved

    assert client.get(process.url).status_code == 404
    assert client.get("/").status_code == 200 and process.title not in text(client.get("/"))


# --- Nothing personal, nothing for a signed-in person ------------------------------------------------------


def test_a_signed_in_agents_view_of_an_internal_process_is_never_served_to_anonymous_visitors(
    commune_space, legal_texts, make_user
):
    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    agent = Client()
    agent.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))
    for url in (internal.url, commune_space.url, "/"):
        seen = agent.get(url)
        assert seen.status_code == 200 and "no-store" in seen["Cache-Control"], url

    anonymous = Client()
    assert anonymous.get(internal.url).status_code in (302, 404)
    for url in (commune_space.url, "/"):
        page = text(anonymous.get(url))
        assert "Télétravail des agents" not in page and SESSION_WARNING not in page, url


def test_a_cached_anonymous_page_is_never_served_to_a_signed_in_person(
    client, process, make_user, django_assert_num_queries
):
    cached(client, process.url)
    assert_served_from_cache(client, process.url, django_assert_num_queries)

    client.force_login(make_user("agent-essey", commune_group(process.get_parent().specific, CommuneRole.AGENTS)))
    signed_in = client.get(process.url)

    assert SESSION_WARNING in text(signed_in) and "no-store" in signed_in["Cache-Control"]


def test_a_pass_holder_always_sees_their_own_state(client, process, django_assert_num_queries):
    cached(client, process.url)
    assert_served_from_cache(client, process.url, django_assert_num_queries)
    holder = Client()
    holder.cookies["participation_pass"] = pass_token(confirm_participant("alex@example.org"))

    followed = holder.post(process.url + "suivre/")
    page = holder.get(process.url)

    assert followed.status_code == 303
    assert "Vous suivez cette démarche." in text(page) and "no-store" in page["Cache-Control"]
    assert "Vous suivez cette démarche." not in text(client.get(process.url))


def test_a_message_shown_once_is_never_taken_from_nor_left_in_the_cache(client, process):
    contribution = add_contribution(process, "Un texte publié.")
    cached(client, process.url)
    reported = client.post(
        process.url + f"contributions/{contribution.pk}/signaler/", {"rule_key": "respect"}, follow=True
    )
    assert "Merci : votre signalement est enregistré" in text(reported)
    assert "no-store" in reported["Cache-Control"]
    assert "Merci : votre signalement" not in text(Client().get(process.url))


def test_errors_redirects_posts_and_signed_links_are_never_kept(client, process):
    space = process.get_parent().specific
    missing = client.get(space.url + "nulle-part/")
    assert missing.status_code == 404 and "no-store" in missing["Cache-Control"]
    moved = client.get(process.url.rstrip("/"))
    assert moved.status_code == 301 and "no-store" in moved["Cache-Control"]
    sent = client.post(process.url + "contribuer/", {"text": "x"})
    assert sent.status_code == 400 and "no-store" in sent["Cache-Control"]
    for _visit in range(2):
        link = client.get(reverse("participation:my_data", args=["un-lien-modifie"]))
        assert link.status_code == 400 and "no-store" in link["Cache-Control"]

    # A page published at an address that answered 404 shows at once.
    new = make_process(space, "Nulle part")
    assert new.url == space.url + "nulle-part/" and client.get(new.url).status_code == 200


# --- Each event forgets what it changes ----------------------------------------------------------------------


@pytest.fixture
def cached_pages(client, process, django_assert_num_queries):
    """The process page, its commune's space and the home page, in the cache."""

    def put(*urls):
        urls = urls or (process.url, process.get_parent().url, "/")
        for url in urls:
            cached(client, url)
            assert_served_from_cache(client, url, django_assert_num_queries)

    return put


def test_a_publication_shows_at_once_on_the_commune_space_and_the_home_page(client, process, cached_pages):
    cached_pages()
    new = make_process(process.get_parent().specific, "Un nouveau jardin partagé")

    assert client.get(new.url).status_code == 200
    assert "Un nouveau jardin partagé" in text(client.get(process.get_parent().url))
    assert "Un nouveau jardin partagé" in text(client.get("/"))


def test_an_unpublication_takes_the_page_out_at_once(client, process, cached_pages):
    cached_pages()
    process.unpublish()

    assert client.get(process.url).status_code == 404
    assert process.title not in text(client.get(process.get_parent().url))


def test_a_revision_published_again_shows_at_once(client, process, cached_pages):
    first = process.save_revision()
    first.publish()
    process.title = "Un titre corrigé"
    process.save_revision().publish()
    cached_pages(process.url)

    first.publish()

    assert "Un titre corrigé" not in text(client.get(process.url))


def test_scheduled_publishing_shows_at_once(client, process, cached_pages):
    process.title = "Un titre programmé"
    revision = process.save_revision(approved_go_live_at=timezone.now() - datetime.timedelta(minutes=1))
    ProcessPage.objects.filter(pk=process.pk).update(has_unpublished_changes=True)
    assert revision.approved_go_live_at
    cached_pages(process.url)

    call_command("publish_scheduled")

    assert "Un titre programmé" in text(client.get(process.url))


def test_a_view_restriction_takes_the_page_from_anonymous_visitors_at_once(client, process, cached_pages):
    cached_pages(process.url)
    PageViewRestriction.objects.create(page=process, restriction_type=PageViewRestriction.LOGIN)

    assert client.get(process.url).status_code == 302


@pytest.mark.parametrize("decision", ["approve", "hide", "withdraw", "erase"])
def test_every_moderation_decision_shows_at_once(client, process, moderators, cached_pages, decision):
    pending = add_contribution(process, "Une idée à modérer.", status=ContributionStatus.AWAITING_MODERATION)
    published = add_contribution(process, "Une idée publiée.", email="publiee@example.org")
    cached_pages()

    if decision == "approve":
        moderation.approve(pending, moderators[0])
    elif decision == "hide":
        moderation.hide(published, moderators[0], rule_key="respect", reason="Propos blessants.")
    elif decision == "withdraw":
        withdraw(published, published.contributor_key)
    else:
        erase_personal_data(published.contributor_key)

    page = text(client.get(process.url))
    if decision == "approve":
        assert "Une idée à modérer." in page
    else:
        assert "Une idée publiée." not in page


def test_a_comment_hidden_by_a_moderator_disappears_at_once(client, process, moderators, cached_pages):
    comment = add_comment(add_contribution(process, "Une idée."), "Un commentaire déplacé.")
    cached_pages(process.url)
    assert "Un commentaire déplacé." in text(client.get(process.url))

    moderation.hide(comment, moderators[0], rule_key="respect", reason="Hors sujet.")

    assert "Un commentaire déplacé." not in text(client.get(process.url))


def test_a_contribution_sent_but_not_confirmed_keeps_the_cache(
    client, process, cached_pages, django_assert_num_queries
):
    cached_pages(process.url)
    add_contribution(process, "Pas encore confirmée.", status=ContributionStatus.AWAITING_CONFIRMATION)

    assert_served_from_cache(client, process.url, django_assert_num_queries)


def test_a_new_legal_text_version_shows_in_every_cached_footer(client, process, cached_pages, publish_text):
    updated = f"mis à jour le {french_date(timezone.localdate())}"
    cached_pages(process.url, "/", "/charte/")
    assert updated not in text(client.get("/"))

    publish_text(LegalTextKind.TERMS, timezone.localdate(), text="Nouvelles CGU.")

    assert "Nouvelles CGU." in text(client.get("/cgu/"))
    for url in (process.url, "/", "/charte/"):
        assert updated in text(client.get(url)), url


def test_a_change_of_the_metropoles_identity_shows_on_every_cached_page(client, process, site, cached_pages):
    cached_pages()
    identity = MetropoleSettings.for_site(site)
    identity.name = "Métropole Renommée"
    identity.save()

    for url in (process.url, process.get_parent().url, "/"):
        assert "Métropole Renommée" in text(client.get(url)), url


def test_a_communes_new_colour_shows_at_once(client, process, cached_pages):
    cached_pages("/communes.css")
    commune = process.get_parent().specific.commune
    commune.brand_colour = "#123456"
    commune.save()

    assert "#123456" in text(client.get("/communes.css"))


def test_a_convention_ended_today_takes_the_cached_pages_offline_at_once(client, process, cached_pages):
    cached_pages()
    convention = Convention.objects.get(commune=process.get_parent().specific.commune)
    convention.termination_letter_on = timezone.localdate() - datetime.timedelta(days=30)
    convention.termination_effective_on = timezone.localdate()
    convention.save()

    assert client.get(process.url).status_code == 404
    assert process.title not in text(client.get("/"))


def test_a_decision_in_one_commune_keeps_the_other_communes_pages_cached(
    client, process, moderators, make_space, legal_texts, cached_pages, django_assert_num_queries
):
    nancy = make_process(make_space("Nancy", slug="nancy", insee_code="54395"), "Place Stanislas")
    cached_pages(nancy.url)
    pending = add_contribution(process, "Une idée à modérer.", status=ContributionStatus.AWAITING_MODERATION)

    moderation.approve(pending, moderators[0])

    assert_served_from_cache(client, nancy.url, django_assert_num_queries)


# --- The front cache is purged too --------------------------------------------------------------------------


class RecordingBackend(BaseBackend):
    purged = []

    def purge(self, url):
        self.purged.append(url)


@pytest.fixture
def front_cache(settings):
    settings.WAGTAILFRONTENDCACHE = {"test": {"BACKEND": f"{__name__}.RecordingBackend"}}
    RecordingBackend.purged = []
    return RecordingBackend.purged


def test_a_moderation_decision_purges_the_front_cache_of_the_process_and_the_listings(
    process, moderators, front_cache, django_capture_on_commit_callbacks, settings
):
    pending = add_contribution(process, "Une idée à modérer.", status=ContributionStatus.AWAITING_MODERATION)
    front_cache.clear()

    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(pending, moderators[0])

    base = settings.PUBLIC_BASE_URL
    expected = {base + process.url, base + process.get_parent().url, base + "/", base + "/recherche/"}
    expected |= {base + "/flux/rss/", base + "/sitemap.xml", base + "/communes.css"}
    assert expected <= set(front_cache)
    assert len(front_cache) == len(set(front_cache)), "each address once"


def test_a_new_legal_text_purges_every_page_from_the_front_cache(
    process, front_cache, publish_text, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_text(LegalTextKind.CHARTER, timezone.localdate(), text="Nouvelle charte.")

    base = settings.PUBLIC_BASE_URL
    assert {base + process.url, base + process.get_parent().url, base + "/", base + "/charte/"} <= set(front_cache)
    # The commune's privacy notice, which answers only while its space is online.
    commune = process.get_parent().specific.commune
    assert base + f"/donnees-personnelles/commune/{commune.slug}/" in front_cache


# --- In the right order at commit ---------------------------------------------------------------------------


def test_the_facts_behind_pages_are_forgotten_before_the_cached_pages_at_commit(
    process, provider_contract, django_capture_on_commit_callbacks, monkeypatch
):
    """A page rendered between the two would be kept under the new generations with the old facts: at commit, the
    gate's and the tree's cached facts and the Métropole's identity are forgotten before any cached page's
    generation is replaced, whatever order the events of the transaction came in."""
    done = []
    monkeypatch.setattr(commune_signals, "forget_active_communes", lambda: done.append("gate"))
    monkeypatch.setattr(tree, "forget_tree_facts", lambda: done.append("tree"))
    monkeypatch.setattr(MetropoleSettings, "forget", lambda self: done.append("identity"))
    replace = pagecache._replace_generations
    monkeypatch.setattr(pagecache, "_replace_generations", lambda scopes: (done.append("pages"), replace(scopes)))
    other = make_process(process.get_parent().specific, "Projet confidentiel du quartier")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        provider_contract.ends_on = timezone.localdate() - datetime.timedelta(days=1)
        provider_contract.save()
        PageViewRestriction.objects.create(page=other, restriction_type=PageViewRestriction.LOGIN)
        settings = MetropoleSettings.for_site(process.get_site())
        settings.name = "Métropole renommée"
        settings.save()
    done.clear()
    for callback in callbacks:
        callback()

    assert "pages" in done
    assert {"gate", "tree", "identity"} <= set(done[: done.index("pages")]), done


def test_the_retention_purge_of_comments_takes_their_pseudonyms_off_the_cached_pages(
    client, process, legal_texts, django_assert_num_queries
):
    old = make_process(process.get_parent().specific, "Une démarche close depuis longtemps", starts=-500, ends=-400)
    erased = {"pseudonym": "Anonyme", "email": "", "anonymised_at": timezone.now()}
    contribution = add_contribution(old, "Une idée gardée.", **erased)
    add_comment(contribution, "Un commentaire publié.", pseudonym="Camille Lefèvre")
    assert "Camille Lefèvre" in text(cached(client, old.url))

    assert purge_personal_data()["comments_anonymised"] == 1

    assert "Camille Lefèvre" not in text(client.get(old.url))


def test_the_api_is_never_kept(client, process, django_assert_max_num_queries):
    url = "/api/v2/pages/?type=participation.ProcessPage"
    assert client.get(url).status_code == 200

    again = client.get(url)

    assert "no-store" in again["Cache-Control"]
    assert again.status_code == 200 and process.title in again.content.decode()
