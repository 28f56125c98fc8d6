"""Signing in: throttled login forms, the second factor's pages, and how long a signed-in session lasts.

django-axes counts failed sign-ins (settings: AXES_*); the forms here turn its lockout into a French message on
the page that was posted, wagtail-2fa asks Métropole staff and superusers for a code (its middleware, in
settings), and `SessionTimeoutMiddleware` ends idle or old sessions.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in, user_login_failed
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.middleware import get_user as signed_in_user
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms.auth import LoginForm
from wagtail_2fa import utils as two_factor_utils
from wagtail_2fa import views as two_factor_views
from wagtail_2fa.forms import TokenForm
from wagtail_2fa.middleware import VerifyUserPermissionsMiddleware

from .typography import french_plural

# --- Throttling (django-axes) -----------------------------------------------------------------------------------


def lockout_message():
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Trop de tentatives de connexion ont échoué pour cet identifiant depuis votre adresse : la connexion est "
        "bloquée pendant %(minutes)d minute, même avec le bon mot de passe. Réessayez plus tard, ou demandez à un "
        "administrateur de la débloquer.",
        "Trop de tentatives de connexion ont échoué pour cet identifiant depuis votre adresse : la connexion est "
        "bloquée pendant %(minutes)d minutes, même avec le bon mot de passe. Réessayez plus tard, ou demandez à un "
        "administrateur de la débloquer.",
        french_plural(minutes),
    ) % {"minutes": minutes}


def attempted_username(request, credentials=None):
    """AXES_USERNAME_CALLABLE: the name a sign-in tried, as django-axes records and counts it.

    Its column holds 255 characters and a client may send more: the database refused the record (a 500). The forms
    here refuse such names first; Wagtail's own sign-in for private pages (`/_util/login/`) does not. Cut, on every
    sign-in path: no account has such a name.
    """
    data = credentials if credentials else getattr(request, "data", request.POST)
    username = data.get(settings.AXES_USERNAME_FORM_FIELD)
    return username[:255] if isinstance(username, str) else username


def _is_locked_out(request):
    # Set by django-axes while it refuses this sign-in (backend or failure handler).
    return getattr(request, "axes_locked_out", False)


class ThrottledLoginMixin:
    """A login form that says why django-axes refused, instead of "wrong password".

    A username longer than any account's is refused by the form before anyone is asked: Django's form only sets
    `max_length` after building the field (no validator follows), and django-axes would fail to record it (500).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        if field.max_length and not any(isinstance(v, MaxLengthValidator) for v in field.validators):
            field.validators.append(MaxLengthValidator(field.max_length))

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if _is_locked_out(self.request):
                raise ValidationError(lockout_message(), code="locked_out") from None
            raise


class AdminLoginForm(ThrottledLoginMixin, LoginForm):
    """Wagtail's sign-in form (WAGTAILADMIN_USER_LOGIN_FORM)."""


class AgentLoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The agents' sign-in form at /connexion/.

    Django puts the focus on the username at load: a screen reader would then start past the page's title and the
    text that says who may sign in here (RGAA 12.8, 7.3). The page starts at its top, as every other page does.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)


class AgentLoginView(LoginView):
    """/connexion/: a refused sign-in answers 400, as every public form that is sent back with its errors."""

    authentication_form = AgentLoginForm

    def get_context_data(self, **kwargs):
        # The page says how long a session lasts, which the warning before its end then recalls (RGAA 7.2, 13.1).
        return super().get_context_data(
            idle_minutes=settings.SESSION_IDLE_TIMEOUT // 60, max_hours=settings.SESSION_COOKIE_AGE // 3600, **kwargs
        )

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page that was posted, already showing why, as 429 Too Many Requests."""
    if original_response is None:
        return HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")
    if original_response.status_code in (200, 400):
        original_response.status_code = 429
    return original_response


# --- Second factor (wagtail-2fa) ----------------------------------------------------------------------------------


class SecondFactorMiddleware(VerifyUserPermissionsMiddleware):
    """wagtail-2fa's middleware with permissions (`wagtailadmin.enable_2fa`), with `request.user` wrapped once.

    django-otp wraps Django's lazy user in a second lazy object; Wagtail's audit log unwraps one to find the model of
    `request.user`, and silently logged nothing about a user (a data-rights download) through two.
    """

    def _verify_user_sync(self, request, user):
        if isinstance(user, LazyObject):  # Django's own lazy user: the user it stands for, found as it finds it
            user = signed_in_user(request)
        # Otherwise the user was set since (AnonymousUser after a session timed out): keep it.
        return super()._verify_user_sync(request, user)


class SecondFactorForm(TokenForm):
    """wagtail-2fa's code form, with the choice of device that django-otp 1.7 requires.

    django-otp no longer tries a code on each of the user's devices (that throttled devices never used): the form
    names one. wagtail-2fa's form does not, so no code was ever accepted. With one device, it is the one; with
    several (an app and backup codes), the user picks one.
    """

    otp_device = forms.ChoiceField(label=gettext_lazy("Appareil"), required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["otp_device"].choices = [(device.persistent_id, device.name) for device in devices_for_user(user)]

    @property
    def extra_fields(self):
        # wagtail-2fa's template renders these below the code.
        if len(self.fields["otp_device"].choices) > 1:
            yield "otp_device", self["otp_device"]

    def clean(self):
        choices = self.fields["otp_device"].choices
        if not self.cleaned_data.get("otp_device") and len(choices) == 1:
            self.cleaned_data["otp_device"] = choices[0][0]
        return super().clean()


class SecondFactorView(two_factor_views.LoginView):
    """wagtail-2fa's code page, where a wrong code counts as a failed sign-in for django-axes.

    After LOGIN_FAILURE_LIMIT failures (passwords and codes together) the session is closed and the pair of
    username and address locked, as for passwords; django-otp also slows each device down after a wrong code.
    """

    form_class = SecondFactorForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form):
        credentials = {"username": self.request.user.get_username()}
        user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
        if _is_locked_out(self.request):
            logout(self.request)
            messages.error(self.request, lockout_message())
            return redirect("wagtailadmin_login")
        return super().form_invalid(form)


class DeviceRemoveView(two_factor_views.DeviceDeleteView):
    """wagtail-2fa's removal of a device, answering 404 for an unknown one (it answers 500)."""

    def dispatch(self, request, *args, **kwargs):
        if not TOTPDevice.objects.filter(pk=kwargs["pk"]).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DeviceQRCodeView(two_factor_views.DeviceQRCodeView):
    """wagtail-2fa's QR code of the device being set up, answering 404 when none is (it answers 500)."""

    def get(self, request):
        if two_factor_utils.get_unconfirmed_device(request.user) is None:
            raise Http404
        return super().get(request)


# Mounted before Wagtail's admin URLs, at the paths and names of the views they replace (wagtail-2fa's middleware
# lets some through by their names).
admin_urlpatterns = [
    path("2fa/auth", require_admin_access(SecondFactorView.as_view()), name="wagtail_2fa_auth"),
    path(
        "2fa/devices/<int:pk>/remove",
        require_admin_access(DeviceRemoveView.as_view()),
        name="wagtail_2fa_device_remove",
    ),
    path("2fa/devices/qr-code", require_admin_access(DeviceQRCodeView.as_view()), name="wagtail_2fa_device_qrcode"),
]


# --- Sessions -------------------------------------------------------------------------------------------------------

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
EXTENSIONS = "session_extensions"
# Activity is written to the session at most once a minute: a busy admin page does not rewrite it on each request.
ACTIVITY_RESOLUTION_SECONDS = 60
# "Rester connecté" near the maximum age adds this much, up to SESSION_MAX_EXTENSIONS times (WCAG 2.2.1).
SESSION_EXTENSION_SECONDS = 30 * 60
SESSION_MAX_EXTENSIONS = 10


def _record_sign_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        now = int(timezone.now().timestamp())
        session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now


user_logged_in.connect(_record_sign_in, dispatch_uid="core.logins.record_sign_in")


class SessionTimeoutMiddleware:
    """Ends a signed-in session SESSION_IDLE_TIMEOUT seconds after its last request, SESSION_COOKIE_AGE after sign-in.

    Only signed-in sessions are read or written: an anonymous visitor's request costs nothing here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    def check(self, request):
        session = request.session
        now = int(timezone.now().timestamp())
        if session.get(SIGNED_IN_AT) is None or session.get(LAST_SEEN_AT) is None:  # opened before this rule
            session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
            return
        if session_ends_in(session, now) < 0:
            logout(request)
            messages.info(request, gettext("Votre session a expiré : reconnectez-vous."))
            return
        # Asking how long the session has left is not activity: the warning would otherwise never come.
        if now - session[LAST_SEEN_AT] >= ACTIVITY_RESOLUTION_SECONDS and request.path != reverse("session_status"):
            session[LAST_SEEN_AT] = now


def session_ends_in(session, now=None):
    """Seconds before a signed-in session ends: idle for SESSION_IDLE_TIMEOUT, or its (extended) maximum age."""
    now = now if now is not None else int(timezone.now().timestamp())
    return min(session[LAST_SEEN_AT] + settings.SESSION_IDLE_TIMEOUT, _max_age_ends(session)) - now


def _max_age_ends(session):
    extensions = session.get(EXTENSIONS, 0)
    return session[SIGNED_IN_AT] + settings.SESSION_COOKIE_AGE + extensions * SESSION_EXTENSION_SECONDS


def _session_answer(request, now):
    session = request.session
    ends_in = session_ends_in(session, now)
    # The maximum age can be pushed back only so many times (WCAG 2.2.1 asks for ten at least).
    by_max_age = _max_age_ends(session) - now <= ends_in
    can_extend = not by_max_age or session.get(EXTENSIONS, 0) < SESSION_MAX_EXTENSIONS
    return JsonResponse({"ends_in": max(ends_in, 0), "can_extend": can_extend, "csrf_token": get_token(request)})


@never_cache
def session_status(request):
    """How long the visitor's session has left (seconds), for the warning shown before it ends (static/js/session.js).

    Asking is not activity: it does not push back the end. Not signed in: `ends_in` is 0.
    """
    if not request.user.is_authenticated or request.session.get(LAST_SEEN_AT) is None:
        return JsonResponse({"ends_in": 0, "can_extend": False})
    return _session_answer(request, int(timezone.now().timestamp()))


@never_cache
@require_POST
def extend_session(request):
    """Answer to "Rester connecté": the idle time starts again, and, near the maximum age, the session gets 30
    more minutes (ten times at most)."""
    if not request.user.is_authenticated or request.session.get(LAST_SEEN_AT) is None:
        return JsonResponse({"ends_in": 0, "can_extend": False}, status=403)
    session = request.session
    now = int(timezone.now().timestamp())
    session[LAST_SEEN_AT] = now
    if (
        _max_age_ends(session) - now < settings.SESSION_IDLE_TIMEOUT
        and session.get(EXTENSIONS, 0) < SESSION_MAX_EXTENSIONS
    ):
        session[EXTENSIONS] = session.get(EXTENSIONS, 0) + 1
    return _session_answer(request, now)


session_urlpatterns = [
    path("session/", session_status, name="session_status"),
    path("session/prolonger/", extend_session, name="session_extend"),
]
