"""Each commune in its room (invariants 1, 4, 5): every URL of the site, as every role, with another commune's ids.

For each role, every URL pattern Django's resolver has (admin and public) is requested with the ids of
Laxou's secret objects (and of Maxéville's, whose convention ended), with GET and with a POST carrying the
fields of every form. The test fails on any answer that reveals what the role may not read (a marker planted
in the object, a secret file) or changes a row of those communes, and on any server error but those of Wagtail's
admin to malformed posts.

Only Métropole staff may read everything; the editor and moderator of Maxéville may read their own
commune's history but not its contributors' addresses, and change nothing.
"""

import json
import re
import zipfile
from io import BytesIO

import pytest
from django.conf import settings
from django.contrib import auth
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from tests.config.matrix_urls import post_data, requests_by_route, sends_post
from tests.config.matrix_world import MARKER_PATTERN, PERSONAL_MARKER, SEARCH_WORD, build_world

ALLOWED_MARKERS = {
    "anonymous": (),
    "editor of another commune": (),
    "moderator of another commune": (),
    "agent of another commune": (),
    "editor of an ended commune": ("zqmx",),
    "moderator of an ended commune": ("zqmx",),
    "Métropole staff": ("zqlx", "zqmx"),
}
# Staff may change anything: their requests only have to answer without a server error.
MAY_CHANGE = {"Métropole staff"}
# Roles without access to the admin meet Wagtail's sign-in wall on every admin URL, whatever the method: GET is
# enough to prove it, but for the admin URLs that stand outside the wall.
NO_ADMIN = {"anonymous", "agent of another commune"}
PUBLIC_ADMIN_ROUTES = ("admin/login/", "admin/password_reset/", "admin/jsi18n/", "admin/sprite/")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        # The admin's searches read the index: keep it up to date while the world is built.
        backends = {name: {**params, "AUTO_UPDATE": True} for name, params in settings.WAGTAILSEARCH_BACKENDS.items()}
        with override_settings(WAGTAILSEARCH_BACKENDS=backends):
            built = build_world()
        built.requests = requests_by_route(built)
        built.post_data = post_data(built)
        yield built
        transaction.set_rollback(True)


def body_of(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # a spreadsheet: read what its sheets hold
        try:
            with zipfile.ZipFile(BytesIO(content)) as archive:
                content = b" ".join(archive.read(name) for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    headers = " ".join(f"{key}: {value}" for key, value in response.items())
    return headers + " " + content.decode("utf-8", "replace")


def request(client, method, url, data, world, before):
    """One request in a savepoint: what it changed is measured, then undone for the next one."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/admin/api/"):  # the admin API reads JSON
            response = client.post(url, json.dumps(data.get("api", {})), content_type="application/json")
        else:
            response = client.post(url, data)
        text = body_of(response)
        changed = []
        # Rows written in this transaction only ever add up (undone ones included): any new write is this request's.
        writes = world.writes()
        if writes != world.last_writes:
            changed = sorted(name for name, digest in world.snapshot().items() if before[name] != digest)
            world.last_writes = world.writes()
        transaction.set_rollback(True)
    client.cookies = cookies
    return response, text, changed


def problems_of(role, method, url, response, text, changed, world):
    allowed = ALLOWED_MARKERS[role]
    # A marker the URL's path carries (a slug) is only echoed back: it tells nothing new. Searches look for a word
    # that is no marker, so that whatever they find is reported.
    echoed = set(re.findall(MARKER_PATTERN, url.split("?")[0]))
    found = {
        marker
        for marker in re.findall(MARKER_PATTERN, text)
        if not marker.startswith(allowed) or (PERSONAL_MARKER.match(marker) and role not in MAY_CHANGE)
    } - echoed
    problems = []
    # No page answers 500 to a GET; Wagtail's admin does to some malformed form posts, which reveal nothing.
    if response.status_code >= 500 and (method == "GET" or role in MAY_CHANGE or not url.startswith("/admin/")):
        error = response.exc_info[1] if getattr(response, "exc_info", None) else ""
        problems.append(f"server error {response.status_code} {error!r}"[:300])
    if found:
        problems.append(f"reveals {sorted(found)}")
    owner = world.secret_files.get(url.split("?")[0])
    if owner and not owner.startswith(allowed) and response.status_code == 200:
        problems.append("serves the file")
    # Citizens take part in Laxou's public process: that adds contributions, registrations, reports, answers.
    participation = next((adds for prefix, adds in world.public_participation.items() if url.startswith(prefix)), set())
    if set(changed) - participation and role not in MAY_CHANGE:
        problems.append(f"changes {changed}")
    return [f"{method} {url} → {response.status_code}: {problem}" for problem in problems]


@pytest.fixture
def same_user_object(monkeypatch):
    """Each request finds the signed-in user as the same object, so that its permission caches outlive a request.

    Permissions are read once per role instead of once per request: the matrix stays fast enough to run in every
    `make test`. Every request is rolled back, so no request can grant the role more than it had.
    """
    users = {}
    get_user = auth.get_user

    def cached_get_user(request):
        user_id = request.session.get(auth.SESSION_KEY)
        if user_id in users:
            return users[user_id]
        user = get_user(request)
        if user.is_authenticated:
            users[user_id] = user
        return user

    monkeypatch.setattr(auth, "get_user", cached_get_user)


@pytest.mark.spread
@pytest.mark.parametrize("role", list(ALLOWED_MARKERS))
def test_no_role_reads_or_changes_another_communes_objects_through_any_url(
    role, world, db, same_user_object, record_property, settings
):
    # Rate limits would otherwise answer in place of the views after a few requests.
    settings.RATE_LIMITS = {action: (10**6, window) for action, (_limit, window) in settings.RATE_LIMITS.items()}
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    problems, pairs = [], 0
    before = world.snapshot()  # every request is undone: the state before each one is this one
    world.last_writes = world.writes()
    for route, urls in world.requests.items():
        # Staff may read and change anything: each route has only to answer them without a server error.
        # Roles without admin access meet the same sign-in wall whatever an admin URL names: one URL per route.
        behind_the_wall = role in NO_ADMIN and route.pattern.startswith("admin/")
        for url in urls[:1] if role in MAY_CHANGE or behind_the_wall else urls:
            pairs += 1
            posts = sends_post(route, url) and role not in MAY_CHANGE
            if role in NO_ADMIN and url.startswith("/admin/") and not route.pattern.startswith(PUBLIC_ADMIN_ROUTES):
                posts = False
            methods = ["GET", "POST"] if posts else ["GET"]
            for method in methods:
                response, text, changed = request(client, method, url, world.post_data, world, before)
                problems += problems_of(role, method, url, response, text, changed, world)
    record_property("matrix_pairs", pairs)
    record_property("matrix_routes", len(world.requests))
    assert not problems, f"{role}: {len(problems)} problem(s)\n" + "\n".join(problems)


def test_the_matrix_requests_every_url_pattern_django_knows(world, db):
    """A pattern for which no URL could be made would be a hole in the matrix."""
    unfilled = [route.pattern for route, urls in world.requests.items() if not urls]

    assert unfilled == []
    assert len(world.requests) > 350


def test_the_matrix_reports_a_secret_a_file_and_a_change_when_it_meets_one(world, db, same_user_object):
    """A net that cannot fail catches nothing: staff, who may, read a draft, open a file and decide on a
    contribution of Laxou; the same answers given to another role are reported."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users["Métropole staff"])
    before = world.snapshot()
    world.last_writes = world.writes()  # this test may run first in its process (pytest-xdist spreads the roles)
    draft, pending = world.objects["page"][0], world.objects["contribution"][0]
    secret_file = next(url for url, owner in world.secret_files.items() if owner == "zqlx")
    attempts = [
        ("GET", reverse("wagtailadmin_pages:edit", args=[draft.pk]), "reveals ['zqlxdraft'"),
        ("GET", f"{reverse('wagtailadmin_choose_page_search')}?q={SEARCH_WORD}", "reveals ['zqlxdraft'"),
        ("GET", secret_file, "serves the file"),
        ("POST", reverse("participation_moderate", args=[pending.pk, "approve"]), "changes ['contributions'"),
    ]

    for method, url, expected in attempts:
        response, text, changed = request(client, method, url, {}, world, before)
        reported = problems_of("editor of another commune", method, url, response, text, changed, world)
        assert any(expected in problem for problem in reported), (url, reported)

    # An ended commune's people read its history, but not its contributors' addresses.
    for role in ("editor of an ended commune", "moderator of an ended commune"):
        assert problems_of(role, "GET", "/admin/", response, "zqmxprocess", [], world) == []
        assert problems_of(role, "GET", "/admin/", response, "zqmxmail@example.org", [], world)
