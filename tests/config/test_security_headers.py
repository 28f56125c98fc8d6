"""Security headers of the public site and of the admin, on the demo (`load_demo`).

Each public page type is rendered from the demo and read as a browser would under its Content-Security-Policy:
no inline script (JSON data blocks aside), no event-handler attribute, no style attribute; what the page loads
comes from the site itself or from an allowed video player.
"""

import re
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.embeds.blocks import EmbedBlock, EmbedValue
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.models import Page, get_page_models

from communes.models import Commune, CommuneSpacePage
from communes.visibility import public_pages
from participation.models import ProcessPage
from tests.config.test_settings import load_settings

DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
PERMISSIONS_DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics"]
# Public pages that are not Wagtail pages; the page types are enumerated from the page models.
OTHER_PUBLIC_PAGES = [
    "/recherche/?q=ecole",
    "/recherche/?q=",
    "/connexion/",
    "/charte/",
    "/cgu/versions/",
    "/cgu/versions/1/",
    "/donnees-personnelles/commune/essey-les-nancy/",
    "/participation/confirmer/un-lien-inconnu/",
    "/participation/mes-donnees/un-lien-inconnu/",
    "/une-page-qui-n-existe-pas/",
]


def directives(header):
    """{"script-src": ["'self'"], …} from a Content-Security-Policy header."""
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def same_site(url):
    parsed = urlparse(url)
    return not parsed.scheme and not parsed.netloc or parsed.scheme in ("data", "blob")


def csp_violations(html, policy):
    """What a browser would refuse to run or load in `html` under `policy` (as far as markup tells)."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for script in soup.find_all("script"):
        if script.get("src"):
            if not same_site(script["src"]):
                found.append(f"script from {script['src']}")
        elif script.get("type") not in DATA_SCRIPT_TYPES and "'unsafe-inline'" not in policy["script-src"]:
            found.append(f"inline script {str(script)[:80]}")
    for element in soup.find_all(True):
        handlers = [name for name in element.attrs if name.lower().startswith("on")]
        if handlers and "'unsafe-inline'" not in policy["script-src"]:
            found.append(f"<{element.name} {' '.join(handlers)}=…>")
        if element.has_attr("style") and "'unsafe-inline'" not in policy["style-src"]:
            found.append(f"<{element.name} style=…>")
        for attribute in ("href", "src", "action", "formaction"):
            if str(element.get(attribute, "")).strip().lower().startswith("javascript:"):
                found.append(f"<{element.name} {attribute}=javascript:…>")
    if soup.find("style") and "'unsafe-inline'" not in policy["style-src"]:
        found.append("inline <style>")
    for link in soup.find_all("link", rel="stylesheet"):
        if not same_site(link.get("href", "")):
            found.append(f"stylesheet from {link['href']}")
    for image in soup.find_all("img"):
        if not same_site(image.get("src", "")):
            found.append(f"image from {image['src']}")
    for frame in soup.find_all("iframe"):
        source = frame.get("src", "")
        origin = "{0.scheme}://{0.netloc}".format(urlparse(source))
        if not same_site(source) and origin not in policy.get("frame-src", []):
            found.append(f"frame from {origin}")
    return found


def public_page_of_each_type():
    pages = {}
    for model in get_page_models():
        if model is Page:
            continue
        page = public_pages(model.objects.live().order_by("path")).first()
        pages[model.__name__] = page.specific if page else None
    return pages


def assert_public_policy(response):
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no 'unsafe-inline', no 'unsafe-eval', no other host"
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    for directive in ("frame-ancestors", "form-action", "base-uri"):
        assert policy[directive] == ["'self'"], directive
    return policy


def assert_common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    permissions = response["Permissions-Policy"]
    for feature in PERMISSIONS_DENIED:
        assert f"{feature}=()" in permissions, feature


def test_every_public_page_type_runs_no_inline_script_under_a_strict_policy(client, demo):
    pages = public_page_of_each_type()
    assert None not in pages.values(), f"the demo has no public page of some types: {pages}"
    urls = [page.url for page in pages.values()] + OTHER_PUBLIC_PAGES

    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        policy = assert_public_policy(response)
        assert_common_headers(response)
        assert csp_violations(response.content.decode(), policy) == [], url


def test_forms_sent_back_with_errors_run_no_inline_script_either(client, demo):
    process = ProcessPage.objects.get(slug="imaginons-ensemble-nos-cours-decole")
    questionnaire = public_page_of_each_type()["QuestionnairePage"]

    for url in (process.url + "contribuer/", process.url + "inscription/", questionnaire.url):
        response = client.post(url, {"email": "pas-une-adresse"})
        policy = assert_public_policy(response)
        assert csp_violations(response.content.decode(), policy) == [], url


def test_commune_colours_come_from_a_stylesheet_of_the_site(client, demo, page_cache):
    essey = Commune.objects.get(slug="essey-les-nancy")
    Commune.objects.filter(pk=essey.pk).update(brand_colour="#8A1538")

    html = client.get("/").content.decode() + client.get(essey.space.url).content.decode()
    stylesheet = client.get(reverse("commune_colours"))

    assert "style=" not in html
    assert 'data-commune="essey-les-nancy"' in html
    assert html.count(f'href="{reverse("commune_colours")}"') == 2
    assert stylesheet["Content-Type"] == "text/css; charset=utf-8"
    assert '[data-commune="essey-les-nancy"] { --accent: #8A1538; }' in stylesheet.content.decode()
    assert "public" in stylesheet["Cache-Control"], "kept and revalidated like the pages (core.pagecache)"


def test_the_colour_stylesheet_holds_only_colours_of_online_communes(client, demo):
    Commune.objects.filter(slug="maxeville").update(brand_colour="#123456")  # convention ended
    Commune.objects.filter(slug="nancy").update(brand_colour="red;}*{")  # stored past the form's validation

    css = client.get(reverse("commune_colours")).content.decode()

    assert "maxeville" not in css and "#123456" not in css
    assert '"nancy"' not in css and "*{" not in css
    assert '[data-commune="vandoeuvre-les-nancy"] { --accent: #7a2e8c; }' in css  # the demo's dressed commune


def test_the_admin_has_its_own_enforced_policy_without_eval(admin_client, demo):
    """Wagtail 8 writes inline scripts and styles: 'unsafe-inline' there only, never 'unsafe-eval'."""
    space = CommuneSpacePage.objects.get(slug="essey-les-nancy")
    process = ProcessPage.objects.get(slug="imaginons-ensemble-nos-cours-decole")
    urls = [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[space.pk]),
        reverse("wagtailadmin_pages:edit", args=[space.pk]),
        reverse("wagtailadmin_pages:edit", args=[process.pk]),
        reverse("wagtailadmin_pages:add", args=["participation", "processpage", space.pk]),
        reverse("wagtailimages:index"),
        reverse("wagtaildocs:index"),
        reverse("wagtailusers_users:index"),
        "/admin/communes/commune/",
        "/admin/une-page-qui-n-existe-pas/",
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code in (200, 404), url
        assert "Content-Security-Policy-Report-Only" not in response
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"], url
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"], url
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'self'"] and policy["form-action"] == ["'self'"], url
        assert_common_headers(response)
        assert csp_violations(response.content.decode(), policy) == [], url


def test_the_admin_sign_in_page_has_the_admin_policy(client, db):
    response = client.get(reverse("wagtailadmin_login"))

    assert directives(response["Content-Security-Policy"])["script-src"] == ["'self'", "'unsafe-inline'"]


# --- Embedded videos: the allowed providers and the policy's frame-src are one list -----------------------


def test_an_allowed_video_renders_and_its_player_is_allowed_by_the_policy(client, demo):
    url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    Embed.objects.create(
        hash=get_embed_hash(url),
        url=url,
        max_width=None,
        type="video",
        html='<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed" allowfullscreen></iframe>',
        title="Réunion publique",
    )
    process = ProcessPage.objects.get(slug="imaginons-ensemble-nos-cours-decole")
    process.body = [("embed", {"embed": EmbedValue(url), "title": "Vidéo de la réunion", "transcript": ""})]
    process.save_revision().publish()

    response = client.get(process.url)

    assert "https://www.youtube.com/embed/dQw4w9WgXcQ" in response.content.decode()
    policy = assert_public_policy(response)
    assert csp_violations(response.content.decode(), policy) == []


@pytest.mark.parametrize(
    "url",
    ["https://twitter.com/someone/status/1", "https://www.flickr.com/photos/someone/1/", "https://example.org/v/1"],
)
def test_a_provider_outside_the_list_is_refused_before_any_request(url, db, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("no provider outside the list is asked")

    monkeypatch.setattr("wagtail.embeds.finders.oembed.requests.get", no_network)

    with pytest.raises(ValidationError):
        EmbedBlock().clean(EmbedValue(url))


def test_each_allowed_provider_has_its_player_in_the_policy():
    finder_providers = settings.WAGTAILEMBEDS_FINDERS[0]["providers"]
    frame_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"]

    assert len(finder_providers) == len(settings.EMBED_PROVIDERS) == 3
    assert {"https://www.youtube.com", "https://www.dailymotion.com", "https://player.vimeo.com"} <= set(frame_src)
    assert all(re.fullmatch(r"https://[a-z0-9.-]+", origin) for origin in frame_src)


def test_a_peertube_instance_is_allowed_by_one_variable():
    loaded = load_settings(SECRET_KEY="a-key-for-this-test", PEERTUBE_HOSTS="tube.example.fr")

    assert loaded["frame_src"][-1] == "https://tube.example.fr"
    assert loaded["embed_endpoints"][-1] == "https://tube.example.fr/services/oembed"
