"""A second factor for Métropole staff and superusers (wagtail-2fa 1.8 on django-otp, checked on Wagtail 8.0.1).

Signed in with the right password but no device, they reach only the device setup; with a device, only the code
page until they enter a valid code. Commune editors and moderators may opt in. Every session here is opened through
the sign-in form, as a person would (the test client's login helpers pass the second factor: tests/conftest.py).
"""

import importlib
import inspect
import re

import pytest
from axes.models import AccessAttempt
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from communes.models import CommuneRole
from communes.roles import ensure_staff_group, staff_group
from tests.conftest import commune_group

PASSWORD = "a-long-test-password"
DEVICE_SETUP = "/admin/2fa/devices/new"
CODE_PAGE = "/admin/2fa/auth"
# Admin views, the admin API and a page of the public site: none answers an unverified staff session.
GUARDED_URLS = [
    "/admin/",
    "/admin/pages/",
    "/admin/users/",
    "/admin/snippets/",
    "/admin/images/",
    "/admin/reports/site-history/",
    "/admin/api/main/pages/",
    "/admin/account/",
    "/",
]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("racine", "racine@example.org", PASSWORD)


@pytest.fixture(params=["staff", "superuser"])
def privileged(request, portal):
    if request.param == "superuser":
        return request.getfixturevalue("superuser")
    return request.getfixturevalue("staff_user")


def sign_in(client, user, password=PASSWORD):
    response = client.post("/admin/login/", {"username": user.username, "password": password, "next": "/admin/"})
    assert response.status_code == 302, "the password is right"
    return response


def add_totp_device(user):
    return TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)


def enter_code(client, code, **data):
    return client.post(CODE_PAGE, {"otp_token": code, **data})


def code_of(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_and_superusers_without_a_device_reach_only_the_device_setup(client, privileged):
    sign_in(client, privileged)

    for url in GUARDED_URLS:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(DEVICE_SETUP), url
        assert client.post(url, {}).url.startswith(DEVICE_SETUP), url

    setup = client.get(DEVICE_SETUP)
    assert setup.status_code == 200
    page = setup.content.decode()
    assert "otpauth://totp/" in page and 'src="/admin/2fa/devices/qr-code"' in page
    qr_code = client.get("/admin/2fa/devices/qr-code")
    assert qr_code.status_code == 200 and qr_code["Content-Type"] == "image/svg+xml"


def test_setting_up_a_device_with_a_valid_code_opens_the_admin(client, staff_user):
    sign_in(client, staff_user)
    client.get(DEVICE_SETUP)
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)

    refused = client.post(DEVICE_SETUP, {"name": "Téléphone", "otp_token": "000000", "password": PASSWORD})
    assert refused.status_code == 200 and not TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()
    # A second later: django-otp makes the device wait a second after a wrong code.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)

    response = client.post(DEVICE_SETUP, {"name": "Téléphone", "otp_token": code_of(device), "password": PASSWORD})

    assert response.status_code == 302 and response.url == f"/admin/2fa/devices/{staff_user.pk}"
    devices = client.get(response.url)
    assert devices.status_code == 200 and "Téléphone" in devices.content.decode()
    assert client.get("/admin/").status_code == 200


def test_with_a_device_but_no_code_only_the_code_page_answers(client, privileged):
    device = add_totp_device(privileged)
    sign_in(client, privileged)

    for url in [*GUARDED_URLS, DEVICE_SETUP, f"/admin/2fa/devices/{privileged.pk}"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(CODE_PAGE), url

    code_page = client.get(f"{CODE_PAGE}?next=/admin/")
    assert code_page.status_code == 200
    page = code_page.content.decode()
    assert 'name="otp_token"' in page and 'name="otp_device"' not in page  # the only device needs no choosing
    assert enter_code(client, code_of(device)).status_code == 302


def test_with_an_app_and_backup_codes_the_user_picks_the_device(client, staff_user):
    add_totp_device(staff_user)
    codes = StaticDevice.objects.create(user=staff_user, name="Codes de secours")
    codes.token_set.create(token="secours1")
    sign_in(client, staff_user)

    page = client.get(CODE_PAGE).content.decode()
    assert '<select name="otp_device"' in page and "Codes de secours" in page
    response = enter_code(client, "secours1", otp_device=codes.persistent_id, next="/admin/")

    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_the_right_code_opens_the_admin(client, privileged):
    device = add_totp_device(privileged)
    sign_in(client, privileged)

    response = enter_code(client, code_of(device), next="/admin/pages/")

    assert response.status_code == 302 and response.url == "/admin/pages/"
    for url in ("/admin/", "/admin/account/", "/admin/api/main/pages/", f"/admin/2fa/devices/{privileged.pk}"):
        assert client.get(url).status_code == 200, url


def test_a_wrong_code_is_refused_and_slows_the_device_down(client, staff_user):
    device = add_totp_device(staff_user)
    sign_in(client, staff_user)

    response = enter_code(client, "123456" if code_of(device) != "123456" else "654321")

    assert response.status_code == 200
    assert client.get("/admin/").url.startswith(CODE_PAGE)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp: each failure doubles the wait before the next try
    assert AccessAttempt.objects.get(username=staff_user.username).failures_since_start == 1


def test_wrong_codes_count_toward_the_lockout_of_the_sign_in(client, staff_user):
    add_totp_device(staff_user)
    sign_in(client, staff_user)
    for _ in range(4):
        assert enter_code(client, "000000").status_code == 200

    fifth = enter_code(client, "000000")

    assert fifth.status_code == 302 and fifth.url == "/admin/login/"
    assert "_auth_user_id" not in client.session
    refused = client.post("/admin/login/", {"username": staff_user.username, "password": PASSWORD})
    assert refused.status_code == 429 and "bloquée pendant 15 minutes" in refused.content.decode()


def test_commune_editors_may_work_without_a_device_or_opt_in(client, make_user, commune_space):
    editor = make_user("editeur-essey", commune_group(commune_space, CommuneRole.EDITORS))
    sign_in(client, editor)
    assert client.get("/admin/").status_code == 200
    assert client.get(DEVICE_SETUP).status_code == 200  # they may add one
    client.logout()

    add_totp_device(editor)  # once they have one, it is asked for
    sign_in(client, editor)
    assert client.get("/admin/").url.startswith(CODE_PAGE)


def test_removing_a_device_that_does_not_exist_answers_404(client, staff_user):
    device = add_totp_device(staff_user)
    sign_in(client, staff_user)
    enter_code(client, code_of(device))

    assert client.get("/admin/2fa/devices/999999/remove").status_code == 404
    assert client.get("/admin/2fa/devices/qr-code").status_code == 404  # no device being set up
    confirm = client.get(f"/admin/2fa/devices/{device.pk}/remove")
    assert confirm.status_code == 200 and 'name="user_id"' in confirm.content.decode()


def test_the_staff_group_requires_the_second_factor(portal):
    group = ensure_staff_group(portal)

    assert group.permissions.filter(content_type__app_label="wagtailadmin", codename="enable_2fa").exists()


def test_the_migration_gives_the_staff_group_the_second_factor_once(portal):
    migration = importlib.import_module("communes.migrations.0006_staff_require_a_second_factor")
    group = ensure_staff_group(portal)
    enable_2fa = Permission.objects.get(content_type__app_label="wagtailadmin", codename="enable_2fa")
    group.permissions.remove(enable_2fa)

    migration.grant_second_factor_to_staff(django_apps, None)
    migration.grant_second_factor_to_staff(django_apps, None)

    assert list(staff_group().permissions.filter(codename="enable_2fa")) == [enable_2fa]


def test_wagtail_2fa_still_needs_its_stand_in_for_a_module_wagtail_8_removed():
    """When this fails, wagtail-2fa no longer imports `wagtail.users.widgets`: remove config/wagtail_2fa_compat.py."""
    from wagtail_2fa import wagtail_hooks

    assert re.search(r"from wagtail\.users\.widgets import", inspect.getsource(wagtail_hooks))


def test_devices_are_managed_from_the_account_and_the_users_listing(client, superuser, staff_user):
    client.force_login(superuser)  # signed in with the second factor

    account = client.get("/admin/account/").content.decode()
    users = client.get("/admin/users/")

    assert f'href="/admin/2fa/devices/{superuser.pk}"' in account and "Gérez vos appareils 2FA" in account
    assert users.status_code == 200
    assert f'href="/admin/2fa/devices/{staff_user.pk}"' in users.content.decode()
    assert client.get(f"/admin/2fa/devices/{staff_user.pk}").status_code == 200


def test_the_signed_in_user_is_still_one_lazy_object_for_wagtails_audit_log(client, staff_user):
    from wagtail.log_actions import registry

    client.force_login(staff_user)
    request = client.get("/admin/").wsgi_request

    assert registry.get_log_model_for_instance(request.user) is not None
