"""A net under invariant 4: crawl every public URL of the demo site after a marked contribution."""

from django.core import mail
from django.core.management import call_command
from wagtail.models import Page

from charter.models import LegalTextKind, LegalTextVersion
from communes.models import CommuneSpacePage
from communes.visibility import public_pages
from participation.models import Contribution, ProcessPage
from participation.services.moderation import approve
from participation.services.personal_data import open_data_available
from tests.participation.conftest import contribution_data, link_in_last_email, path_of

EMAIL_MARKER = "zq7-secret-marker@example.org"
PSEUDONYM_MARKER = "Pseudo-Zq7-Marker"


def public_urls():
    # Search for the contribution's words, not the marker: the results page repeats the query itself.
    urls = {"/", "/recherche/?q=cours", "/page-qui-n-existe-pas/", "/sitemap.xml", "/robots.txt"}
    for kind in ("pages", "contributions", "textes"):
        urls.add(f"/recherche/?q=charmes+grillage&type={kind}")
    urls |= {"/flux/rss/", "/flux/atom/", "/api/v2/pages/?limit=100", "/api/v2/pages/?search=charmes"}
    urls.add("/api/v2/pages/?type=participation.ProcessPage&fields=*&limit=100")
    public = public_pages(Page.objects.filter(depth__gt=1))
    urls |= {page.url for page in public}
    urls |= {f"/api/v2/pages/{page.pk}/" for page in public}
    for space in CommuneSpacePage.objects.listed():
        urls |= {f"/flux/{space.slug}/rss/", f"/flux/{space.slug}/atom/"}
    for kind in LegalTextKind:
        urls |= {f"/{kind.value}/", f"/{kind.value}/versions/"}
    urls |= {version.get_url() for version in LegalTextVersion.objects.filter(live=True)}
    urls |= {f"/donnees-personnelles/commune/{space.slug}/" for space in CommuneSpacePage.objects.listed()}
    for process in ProcessPage.objects.listed():
        urls.add(process.url + "?page=2")
        if open_data_available(process):
            urls |= {process.url + "donnees/csv/", process.url + "donnees/json/"}
    return sorted(url for url in urls if url)


def crawl(client):
    pages = {}
    for url in public_urls():
        response = client.get(url)
        # Every URL answers (the unknown one with the French 404): a broken page would hide nothing.
        assert response.status_code == (404 if url == "/page-qui-n-existe-pas/" else 200), url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        pages[url] = body.decode("utf-8", "replace")
    return pages


def test_no_public_url_shows_the_email_and_the_pseudonym_only_where_published(client, staff_user, search_index):
    call_command("load_demo")
    process = ProcessPage.objects.get(slug="imaginons-ensemble-nos-cours-decole")
    client.post(
        process.url + "contribuer/",
        contribution_data(
            process, email=EMAIL_MARKER, pseudonym=PSEUDONYM_MARKER, text="Une haie de charmes le long du grillage."
        ),
    )
    client.post(path_of(link_in_last_email("/participation/confirmer/")))
    contribution = Contribution.objects.get(email=EMAIL_MARKER)

    pending = crawl(client)
    assert not [url for url, html in pending.items() if EMAIL_MARKER in html or PSEUDONYM_MARKER in html]

    approve(contribution, staff_user)
    mail.outbox.clear()
    published = crawl(client)

    assert not [url for url, html in published.items() if EMAIL_MARKER in html]
    showing_pseudonym = {url for url, html in published.items() if PSEUDONYM_MARKER in html}
    # Only the process page where it is published (any page of its pagination).
    assert process.url in showing_pseudonym
    assert {url.split("?")[0] for url in showing_pseudonym} == {process.url}, showing_pseudonym
    # The published text itself is found by the search, pointing to its process (without its author).
    assert "Une haie de <mark>charmes</mark>" in published["/recherche/?q=charmes+grillage&type=contributions"]
    assert len(published) > 65, "the crawl covers the demo site, its API, sitemap and feeds"
