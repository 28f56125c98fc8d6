"""Login throttling (django-axes): wrong passwords lock the pair of username and client address, on every form."""

import base64
import datetime

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from communes.models import CommuneRole
from core.logins import lockout_message
from tests.conftest import commune_group

PASSWORD = "a-long-test-password"
LOGIN_FORMS = {"admin": "/admin/login/", "agents": "/connexion/"}
# The status of a refused sign-in: Wagtail's form answers 200, ours 400 like every public form sent back.
REFUSED = {"admin": 200, "agents": 400}


@pytest.fixture
def agent(make_user, commune_space):
    return make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS))


@pytest.fixture
def editor(make_user, commune_space):
    return make_user("editeur-essey", commune_group(commune_space, CommuneRole.EDITORS))


def sign_in(client, form, username, password, **headers):
    return client.post(LOGIN_FORMS[form], {"username": username, "password": password}, **headers)


def signed_in(client):
    return "_auth_user_id" in client.session


def user_for(form, agent, editor):
    return agent if form == "agents" else editor


@pytest.mark.parametrize("form", LOGIN_FORMS)
def test_thirty_wrong_passwords_then_the_right_one_is_refused_with_a_french_message(client, form, agent, editor):
    user = user_for(form, agent, editor)
    for _ in range(30):
        assert sign_in(client, form, user.username, "wrong-password").status_code in (REFUSED[form], 429)

    response = sign_in(client, form, user.username, PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    assert "bloquée pendant 15 minutes" in page and "Réessayez plus tard" in page
    assert 'name="password"' in page  # the sign-in page itself, in its own look, not a bare error page


def test_the_lock_starts_at_the_fifth_failure_and_is_kept_in_the_database(client, editor):
    for _ in range(4):
        assert sign_in(client, "admin", editor.username, "wrong-password").status_code == 200

    assert sign_in(client, "admin", editor.username, "wrong-password").status_code == 429
    attempt = AccessAttempt.objects.get(username=editor.username)
    assert (attempt.ip_address, attempt.failures_since_start) == ("127.0.0.1", 5)


def test_a_success_before_the_limit_forgets_the_failures(client, editor):
    for _ in range(4):
        sign_in(client, "admin", editor.username, "wrong-password")
    assert sign_in(client, "admin", editor.username, PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        sign_in(client, "admin", editor.username, "wrong-password")
    assert sign_in(client, "admin", editor.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("form", LOGIN_FORMS)
def test_a_lockout_expires_after_the_cool_off(client, form, agent, editor):
    user = user_for(form, agent, editor)
    for _ in range(5):
        sign_in(client, form, user.username, "wrong-password")
    assert sign_in(client, form, user.username, PASSWORD).status_code == 429

    # Sixteen minutes later (the lockout lasts LOGIN_LOCKOUT_MINUTES, 15).
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))

    assert sign_in(client, form, user.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_another_user_at_the_same_address_is_not_locked(client, agent, editor):
    for _ in range(30):
        sign_in(client, "admin", editor.username, "wrong-password")

    assert sign_in(client, "agents", agent.username, PASSWORD).status_code == 302


def test_an_attacker_cannot_lock_a_known_user_out_from_everywhere(client, editor):
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    for _ in range(30):
        sign_in(client, "admin", editor.username, "wrong-password", **attacker)
    assert sign_in(client, "admin", editor.username, PASSWORD, **attacker).status_code == 429

    # The editor, from the town hall's address, signs in as usual.
    assert sign_in(client, "admin", editor.username, PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 302


def test_behind_a_proxy_the_client_address_is_the_one_rate_limits_use(client, settings, editor):
    from participation.views import client_for_sign_in

    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The attacker writes what they like in X-Forwarded-For; the proxy appends the address it saw.
    for forged in range(5):
        sign_in(client, "admin", editor.username, "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{forged}, 203.0.113.66", **proxy)

    assert (
        sign_in(
            client, "admin", editor.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.66", **proxy
        ).status_code
        == 429
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    assert settings.AXES_CLIENT_IP_CALLABLE == f"{client_for_sign_in.__module__}.{client_for_sign_in.__name__}"
    # Another client through the same proxy is not locked.
    other = sign_in(client, "admin", editor.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    assert other.status_code == 302


def test_axes_reset_unlocks_every_account(client, editor):
    for _ in range(5):
        sign_in(client, "admin", editor.username, "wrong-password")
    assert sign_in(client, "admin", editor.username, PASSWORD).status_code == 429

    call_command("axes_reset", stdout=None)

    assert sign_in(client, "admin", editor.username, PASSWORD).status_code == 302


def test_the_lockout_message_names_the_configured_duration(settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=60)

    assert "bloquée pendant 60 minutes" in lockout_message()


def test_the_public_api_does_not_check_passwords(client, editor):
    """HTTP Basic authentication on the API would guess passwords past the throttle's forms and the second factor."""
    wrong = base64.b64encode(f"{editor.username}:wrong-password".encode()).decode()

    response = client.get("/api/v2/pages/", HTTP_AUTHORIZATION=f"Basic {wrong}")

    assert response.status_code == 200  # the header is ignored: the visitor is anonymous
    assert not AccessAttempt.objects.exists()


def test_an_ipv6_client_changing_address_within_its_network_is_still_locked(client, editor):
    """A home connection has 2^64 IPv6 addresses: the lock counts the /64, as rate limits do."""
    for number in range(1, 31):
        sign_in(client, "admin", editor.username, "wrong-password", REMOTE_ADDR=f"2001:db8:1:2::{number:x}")

    response = sign_in(client, "admin", editor.username, PASSWORD, REMOTE_ADDR="2001:db8:1:2::ff")

    assert response.status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "admin", editor.username, PASSWORD, REMOTE_ADDR="2001:db8:9:9::1").status_code == 302


@pytest.mark.parametrize("form", LOGIN_FORMS)
def test_a_username_longer_than_any_account_is_refused_by_the_form_not_a_500(client, db, form):
    client.raise_request_exception = False

    response = sign_in(client, form, "x" * 300, "wrong-password")

    assert response.status_code == REFUSED[form]
    assert not AccessAttempt.objects.exists()


def test_a_username_longer_than_any_account_on_wagtail_s_private_page_sign_in_is_not_a_500(client, editor):
    """`/_util/login/` (Wagtail's sign-in for private pages) has no form of ours: django-axes records the name cut."""
    client.raise_request_exception = False

    response = client.post("/_util/login/", {"username": '"' * 300, "password": "wrong-password"})

    assert response.status_code == 200
    assert not signed_in(client)
    assert {attempt.username for attempt in AccessAttempt.objects.all()} == {'"' * 255}


def test_the_forgotten_password_form_cannot_flood_a_staff_mailbox(client, editor, settings):
    """Before: each POST to Wagtail's password reset emailed the account, without limit, from anywhere."""
    from django.core import mail

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": (4, 3600)}
    responses = [
        client.post("/admin/password_reset/", {"email": address}, REMOTE_ADDR="192.0.2.9")
        for address in ("a@example.org", "b@example.org", editor.email, "c@example.org", "d@example.org")
    ]
    # From other addresses, the same account: three emails an hour at most.
    to_account = [
        client.post("/admin/password_reset/", {"email": editor.email.upper()}, REMOTE_ADDR=f"198.51.100.{n}")
        for n in range(4)
    ]

    assert [response.status_code for response in responses] == [302] * 4 + [429]
    assert "réessayer dans 60 minutes" in responses[-1].content.decode()
    assert [response.status_code for response in to_account] == [302, 302, 429, 429]
    assert len([message for message in mail.outbox if message.to == [editor.email]]) == 3


def test_the_forgotten_password_page_is_never_stored(client, db):
    """Before (review): the project's route in front of Wagtail's lost Wagtail's never_cache."""
    response = client.get("/admin/password_reset/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
