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


# --- Warned before the end, and able to stay signed in (WCAG 2.2.1, RGAA 13.1) ----------------------------------

STATUS = "/connexion/session/"
EXTEND = "/connexion/session/prolonger/"


def session_state(client):
    response = client.get(STATUS)
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    return response.json()


def test_signed_in_visitors_get_the_warning_script_on_public_pages_and_in_the_admin(client, editor, commune_space):
    anonymous_page = client.get(commune_space.url).content.decode()
    client.force_login(editor)
    public_page = client.get(commune_space.url).content.decode()
    admin_page = client.get("/admin/").content.decode()

    assert "js/session.js" not in anonymous_page
    for page in (public_page, admin_page):
        assert re.search(r'<script src="[^"]*js/session\.[^"]*js" defer data-status-url="/connexion/session/"', page)
    assert 'data-sign-in-url="/connexion/"' in public_page and 'data-sign-in-url="/admin/login/"' in admin_page


def test_asking_how_long_is_left_does_not_keep_the_session_alive(client, editor):
    client.force_login(editor)
    age_session(client, idle=28 * MINUTE, signed_in=HOUR)

    first = session_state(client)
    age_session(client, idle=29 * MINUTE + 30, signed_in=HOUR)
    second = session_state(client)

    assert 100 <= first["ends_in"] <= 2 * MINUTE and first["can_extend"]
    assert 0 < second["ends_in"] <= 31
    assert client.session[LAST_SEEN_AT] <= int(timezone.now().timestamp()) - 29 * MINUTE


def test_staying_signed_in_starts_the_idle_time_again(client, editor):
    client.force_login(editor)
    age_session(client, idle=29 * MINUTE, signed_in=HOUR)

    answer = client.post(EXTEND)
    age_session(client, idle=31 * MINUTE, signed_in=HOUR)  # what would have ended it before
    state_before = answer.json()

    assert answer.status_code == 200
    assert 29 * MINUTE < state_before["ends_in"] <= 30 * MINUTE
    assert client.get("/admin/").status_code == 302  # 31 idle minutes still end it: the rule holds


def test_near_the_maximum_age_staying_signed_in_adds_half_an_hour_ten_times_at_most(client, editor):
    client.force_login(editor)
    signed_in = 8 * HOUR - 90
    extended = []
    for _ in range(11):
        age_session(client, idle=60, signed_in=signed_in)
        answer = client.post(EXTEND).json()
        extended.append(answer["ends_in"])
        signed_in += 30 * MINUTE  # half an hour later, near the new end

    assert all(29 * MINUTE < seconds <= 30 * MINUTE + 90 for seconds in extended[:10])
    assert extended[10] <= 90
    assert session_state(client)["can_extend"] is False


def test_not_signed_in_the_session_endpoints_give_nothing(client, db):
    assert client.get(STATUS).json() == {"ends_in": 0, "can_extend": False}
    assert client.post(EXTEND).status_code == 403
    assert client.get(EXTEND).status_code == 405
