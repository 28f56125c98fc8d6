"""Signed-in sessions end after 30 minutes without a request and 8 hours after sign-in; avatars stay at home."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from communes.models import CommuneRole
from core.logins import LAST_SEEN_AT, SIGNED_IN_AT
from tests.conftest import commune_group

MINUTE = 60
HOUR = 60 * MINUTE


@pytest.fixture
def editor(make_user, commune_space):
    return make_user("editeur-essey", commune_group(commune_space, CommuneRole.EDITORS))


def age_session(client, *, idle, signed_in):
    """Makes the session look `idle` seconds since its last request and `signed_in` seconds since sign-in."""
    now = int(timezone.now().timestamp())
    session = client.session
    session[LAST_SEEN_AT] = now - idle
    session[SIGNED_IN_AT] = now - signed_in
    session.save()


def stored_session(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_an_admin_session_ends_after_thirty_idle_minutes(client, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200

    age_session(client, idle=31 * MINUTE, signed_in=HOUR)
    response = client.get("/admin/")

    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert "_auth_user_id" not in client.session
    assert "Votre session a expiré" in client.get(response.url).content.decode()


def test_activity_keeps_the_session_alive(client, editor):
    client.force_login(editor)
    age_session(client, idle=29 * MINUTE, signed_in=2 * HOUR)

    assert client.get("/admin/").status_code == 200

    assert int(timezone.now().timestamp()) - client.session[LAST_SEEN_AT] < MINUTE
    age_session(client, idle=29 * MINUTE, signed_in=3 * HOUR)  # 29 more minutes: still there
    assert client.get("/admin/").status_code == 200


def test_a_session_ends_eight_hours_after_sign_in_however_active(client, editor):
    client.force_login(editor)
    age_session(client, idle=MINUTE, signed_in=8 * HOUR + MINUTE)

    response = client.get("/admin/")

    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_an_agents_session_ends_too(client, make_user, commune_space):
    agent = make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS))
    client.force_login(agent)
    age_session(client, idle=31 * MINUTE, signed_in=HOUR)

    client.get("/")

    assert "_auth_user_id" not in client.session


def test_requests_within_a_minute_do_not_rewrite_the_session(client, editor):
    client.force_login(editor)
    client.get("/admin/")
    expires = stored_session(client).expire_date

    client.get("/admin/")
    client.get("/admin/pages/")

    assert stored_session(client).expire_date == expires


def test_an_anonymous_visit_creates_no_session(client, commune_space):
    response = client.get("/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies and not Session.objects.exists()


def test_the_session_cookie_lasts_eight_hours_at_most(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * HOUR and settings.SESSION_IDLE_TIMEOUT == 30 * MINUTE


ADMIN_PAGES = ["/admin/", "/admin/account/", "/admin/pages/{portal}/", "/admin/reports/site-history/"]


def test_admin_pages_request_no_avatar_from_another_site(client, staff_user, portal):
    staff_user.email = "mission@example.org"
    staff_user.save()
    client.force_login(staff_user)

    for url in ADMIN_PAGES:
        response = client.get(url.format(portal=portal.pk))
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "gravatar" not in page.lower(), url
        # No image, script or style from another host; only links (href) may point elsewhere.
        external = re.findall(r'(?:src|srcset|avatar_?[Uu]rl)\W{1,3}(?:https?:)?//([^/"\'\s&]+)', page)
        assert not [host for host in external if host not in ("testserver", "127.0.0.1", "localhost")], url
