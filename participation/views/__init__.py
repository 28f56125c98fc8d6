"""Citizens' side of the participation: thin views over the services.

Views that show a citizen's own data (the pages of the links sent by email, a form sent back with what they
typed) are `never_cache`: neither a browser's history nor a shared cache keeps them.
"""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from charter.services import current_acceptance_terms, current_charter_rules
from communes.visibility import visible_pages
from core.exports import json_response
from core.input import whole_number

from ..forms import AppealForm, ContributionForm, RegistrationForm, ReportForm, SupportForm
from ..models import Contribution, ContributionStatus, QuestionnairePage
from ..services import Refused
from ..services.abuse import account_fingerprint, check_rate_limit, client_fingerprint, client_network
from ..services.contributions import confirm_contribution, refuse_unless_open, submit_contribution
from ..services.events import cancel_registration, confirm_registration, register_for_event, seats_left
from ..services.follows import unfollow
from ..services.links import (
    CONFIRM_SALT,
    REGISTRATION_CANCEL_SALT,
    REGISTRATION_CONFIRM_SALT,
    contribution_for_appeal,
    contribution_from_token,
    registration_from_token,
)
from ..services.moderation import file_appeal, report_contribution
from ..services.open_data import OPEN_DATA_FORMATS, open_data_chunks, open_stored, stored_open_data
from ..services.participants import (
    confirm_participant,
    describe_pending,
    participant_from_pass,
    pass_token,
    pending_action,
    perform_action,
)
from ..services.personal_data import (
    comments_of,
    contributions_of,
    erase_personal_data,
    follows_of_key,
    has_personal_data,
    key_from_rights_token,
    open_data_available,
    open_data_rows,
    stored_data_of,
    withdraw,
    withdraw_comment,
)
from ..services.supports import supports_of, withdraw_own_support
from .contribution_list import contribution_list_context, listing_kept


def client_address(request):
    """The client's address; behind TRUSTED_PROXY_COUNT proxies, read from X-Forwarded-For."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def fingerprint(request):
    return client_fingerprint(client_address(request))


def client_for_sign_in(request):
    """The client that login throttling (django-axes) counts: as for rate limits, an IPv6 host by the /64 it picks
    its addresses in (given as the network's first address, a valid address to store), so that changing address
    within it does not start a new count."""
    network = client_network(client_address(request))
    return network.split("/")[0]


def process_context(process, request):
    """What the process page shows: its state, published contributions (sorted, filtered, by keyset pages, with
    their supports: views.contribution_list) and its forms."""
    rules = current_charter_rules()
    # Its phases (the state, the calendar, whether supports are open) and themes (the list's filter, the form, the
    # facts) are read once for the page.
    prefetch_related_objects([process], "phases", "themes")
    listing = contribution_list_context(process, request, participant_of(request))
    prefetch_related_objects(listing["contributions"], comments.public_comments_prefetch())
    contribution_form = ContributionForm(
        process=process, terms=current_acceptance_terms(), themes=listing["theme_choices"]
    )
    return {
        **listing,
        "support_form": SupportForm(),
        "open_data": open_data_available(process),
        "report_form": ReportForm(rules=rules),
        "contribution_form": contribution_form,
        "registration_form": RegistrationForm(),
        "places_left": seats_left(process),
        # A process without subpages has no questionnaire to list: no query.
        "questionnaires": visible_pages(QuestionnairePage.objects.child_of(process), request.user)
        if process.numchild
        else [],
        **engagement_context(process, request),
    }


def engagement_context(process, request):
    """What the modules of issue 14 add to the process page: results, the follow form, the comment forms."""
    from .answers import results_context
    from .follows import follow_context

    return {
        **results_context(process),
        **follow_context(process, request),
        **comments.comments_context(process, request),
    }


def throttled(action, by=None):
    """A view whose POSTs count toward a rate limit for `action` (RATE_LIMITS): past it, a French 429.

    Counted per client, or per what `by(request)` returns (a keyed hash).
    """

    def decorate(view):
        @functools.wraps(view)
        def throttled_view(request, *args, **kwargs):
            if request.method == "POST":
                try:
                    check_rate_limit(action, (by or fingerprint)(request))
                except Refused as refusal:
                    context = {"title": "Trop de demandes", "message": refusal.message}
                    return TemplateResponse(request, "participation/message.html", context, status=429)
            return view(request, *args, **kwargs)

        return throttled_view

    return decorate


def password_reset_account(request):
    return account_fingerprint(request.POST.get("email", ""))


# --- The participant pass (services.participants): kept by the browser as a signed cookie -----------------------


def participant_of(request):
    """The participant whose pass this browser holds, or None (no pass, expired, forged, or erased since)."""
    if not hasattr(request, "_participant"):
        request._participant = participant_from_pass(request.COOKIES.get(settings.PARTICIPANT_PASS_COOKIE))
    return request._participant


def give_pass(response, participant):
    """Let the browser keep the participant's pass: never readable by scripts, sent only to this site."""
    response.set_cookie(
        settings.PARTICIPANT_PASS_COOKIE,
        pass_token(participant),
        max_age=settings.PARTICIPANT_PASS_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
def confirm_action(request, token):
    """An action asked by email (support, comment, follow…): the page asks for a click (mail scanners open links),
    the click does it, gives the browser its pass and goes back to where the action was asked."""
    try:
        pending = pending_action(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    if request.method != "POST":
        context = {"token": token, "description": describe_pending(pending)}
        return TemplateResponse(request, "participation/confirm_action.html", context)
    try:
        participant, destination = perform_action(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    response = redirect_with_notice(
        request,
        destination,
        "action",
        _("Votre demande est confirmée : %(what)s.") % {"what": describe_pending(pending)},
    )
    return give_pass(response, participant)


def invalid_link(request, refusal):
    """The one answer to an expired, tampered or no longer usable link from an email."""
    return TemplateResponse(
        request, "participation/message.html", {"title": "Lien non valide", "message": refusal.message}, status=400
    )


def refuse_questionnaire_answer(request, questionnaire):
    """Answers follow the rules of contributions: an open process, an active commune, a rate limit."""
    process = questionnaire.get_parent().specific
    try:
        refuse_unless_open(process)
        check_rate_limit("contribute", fingerprint(request))
    except Refused as refusal:
        return TemplateResponse(
            request,
            "participation/message.html",
            {"title": questionnaire.title, "message": refusal.message},
            status=400,
        )
    return None


def render_process(request, process, *, status=200, **overrides):
    response = process.render(request, context_overrides=overrides)
    response.status_code = status
    return response


# --- Post/Redirect/Get: a form's success is a redirect to a page that says so, so that a reload posts nothing ---

NOTICE_PREFIX = "notice-"


def redirect_with_notice(request, url, notice, text):
    """Answer a successful POST with a redirect (303) to `url`, which shows `text` once (Django's messages)."""
    messages.success(request, text, extra_tags=NOTICE_PREFIX + notice)
    return HttpResponseRedirect(url, status=303)


def notices_for(request):
    """{notice: text} left by the redirect of a form, and under "other" the texts of any other message (such as
    "Votre session a expiré"), shown at the top of the page (base.html): every message is shown once, then gone.

    The storage is only read when it holds something: reading it empties the messages cookie, and a page that
    sets a cookie is no longer one a front cache may keep."""
    storage = messages.get_messages(request)
    if not len(storage):
        return {}
    found = {"other": []}
    for message in storage:
        if message.extra_tags.startswith(NOTICE_PREFIX):
            found[message.extra_tags.removeprefix(NOTICE_PREFIX)] = message.message
        else:
            found["other"].append(message.message)
    return found


def process_route_url(request, process, route, anchor, **kwargs):
    return process.get_url(request) + process.reverse_subpage(route, kwargs=kwargs or None) + anchor


CONTRIBUTION_SENT = gettext_lazy(
    "Merci ! Un courriel vient de vous être envoyé : ouvrez le lien qu'il contient pour confirmer votre "
    "contribution. Sans confirmation, elle n'est pas prise en compte."
)


def contribution_sent(request, process):
    return redirect_with_notice(
        request, process_route_url(request, process, "contribute", "#contribuer"), "contribution", CONTRIBUTION_SENT
    )


@never_cache
@sensitive_post_parameters()
def contribute(request, process):
    if request.method != "POST":
        return render_process(request, process, notices=notices_for(request))
    form = ContributionForm(request.POST, process=process, terms=current_acceptance_terms())
    if not form.is_valid():
        return render_process(request, process, status=400, contribution_form=form)
    if form.is_from_a_robot:
        return contribution_sent(request, process)
    try:
        check_rate_limit("contribute", fingerprint(request))
        submit_contribution(
            process,
            pseudonym=form.cleaned_data["pseudonym"],
            email=form.cleaned_data["email"],
            text=form.cleaned_data["text"],
            theme=form.cleaned_data["theme"],
            charter_version=form.cleaned_data["charter_version"],
            terms_version=form.cleaned_data["terms_version"],
        )
    except Refused as refusal:
        # Built again: if the legal texts changed meanwhile, it now carries their versions in force.
        fresh = ContributionForm(request.POST, process=process, terms=current_acceptance_terms())
        fresh.is_valid()
        return render_process(request, process, status=400, contribution_form=fresh, refusal=refusal.message)
    return contribution_sent(request, process)


@never_cache
def report(request, process, contribution_id):
    if request.method != "POST":
        # The page a report leads back to: only for a published contribution (it tells nothing of the others).
        get_object_or_404(Contribution.objects.published(), pk=contribution_id, process=process)
        return render_process(request, process, notices=notices_for(request))
    contribution = get_object_or_404(Contribution, pk=contribution_id, process=process)
    form = ReportForm(request.POST, rules=current_charter_rules())
    try:
        if not form.is_valid():
            raise Refused(form.errors["rule_key"][0])
        check_rate_limit("report", fingerprint(request))
        report_contribution(
            contribution, rule_key=form.cleaned_data["rule_key"], client_address=client_address(request)
        )
    except Refused as refusal:
        return render_process(request, process, status=400, report_refusal=refusal.message)
    # Back to the page of contributions the visitor was reading (the form's action carries it).
    return redirect_with_notice(
        request,
        process_route_url(
            request, process, "report", listing_kept(request) + "#contributions", contribution_id=contribution.pk
        ),
        "report",
        _("Merci : votre signalement est enregistré et sera examiné par les modérateurs."),
    )


REGISTRATION_SENT = gettext_lazy(
    "Votre demande d'inscription est enregistrée : ouvrez le lien du courriel qui vous a été envoyé pour la "
    "confirmer. Votre place n'est réservée qu'après cette confirmation."
)


def registration_sent(request, process):
    return redirect_with_notice(
        request, process_route_url(request, process, "register", "#rencontre"), "registration", REGISTRATION_SENT
    )


@never_cache
@sensitive_post_parameters()
def register(request, process):
    if request.method != "POST":
        return render_process(request, process, notices=notices_for(request))
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        return render_process(request, process, status=400, registration_form=form)
    if form.is_from_a_robot:
        return registration_sent(request, process)
    try:
        check_rate_limit("register", fingerprint(request))
        register_for_event(
            process, name=form.cleaned_data["name"], email=form.cleaned_data["email"], needs=form.cleaned_data["needs"]
        )
    except Refused as refusal:
        return render_process(
            request, process, status=400, registration_form=form, registration_refusal=refusal.message
        )
    return registration_sent(request, process)


def open_data(request, process, file_format):
    """Anonymised published contributions of a closed public process, for anyone to reuse: from the stored file,
    with validators for conditional requests, or written from the database the first time after a change."""
    if not open_data_available(process):
        raise Http404
    filename = f"contributions-{process.slug}.{file_format}"
    _stream, content_type = OPEN_DATA_FORMATS[file_format]
    stored = stored_open_data(process, file_format)
    if stored is None:
        response = StreamingHttpResponse(
            open_data_chunks(process, file_format, open_data_rows(process)), content_type=content_type
        )
    else:
        etag, last_modified = f'"{stored.etag}"', int(stored.written_at.timestamp())
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = FileResponse(open_stored(stored), content_type=content_type)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
    # Kept by browsers and front caches, but asked again each time: an erasure takes effect at once.
    patch_cache_control(response, public=True, no_cache=True)
    if response.status_code == 200:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@sensitive_post_parameters()
def my_data(request, token):
    """The contributor's own page, reached through the link in each email: see, withdraw, erase, download."""
    try:
        key = key_from_rights_token(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    if request.method == "POST":
        return my_data_action(request, token, key)
    if request.GET.get("action") in CONFIRMED_ACTIONS:
        return my_data_confirmation(request, token, key, request.GET)
    context = {
        "token": token,
        "done": notices_for(request).get("my_data"),
        "contributions": contributions_of(key),
        "follows": follows_of_key(key),
        "comments": comments_of(key),
        "supports": supports_of(key),
        "has_data": has_personal_data(key),
    }
    return TemplateResponse(request, "participation/my_data.html", context)


# What the personal page does only once asked twice (WCAG 3.3.4): the first step is a page of its own (a GET: a
# reload repeats nothing), the second a POST that acts, then redirects.
CONFIRMED_ACTIONS = {"withdraw", "withdraw_comment", "erase"}


def _own_contribution(params, key):
    try:
        contribution_id = whole_number(params.get("contribution", ""))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Contribution, pk=contribution_id, contributor_key=key)


def my_data_confirmation(request, token, key, params):
    """The page that says what withdrawing or erasing will do, with the button that does it."""
    action = params.get("action")
    context = {"token": token, "action": action}
    if action == "withdraw":
        context["contribution"] = _own_contribution(params, key)
    elif action == "withdraw_comment":
        context["comment"] = comments.own_comment(params, key)
    else:
        context["keep_text"] = params.get("keep_text") == "on"
    return TemplateResponse(request, "participation/my_data_confirm.html", context)


def _unfollow(params, key):
    try:
        follow_id = whole_number(params.get("follow", ""))
    except ValueError:
        raise Http404 from None
    if not unfollow(follow_id, key):
        raise Http404
    return _("C'est fait : vous ne suivez plus cette démarche.")


# What the personal page does at once (it can be done again from the process page): action -> (params, key) -> text.
def _withdraw_support(params, key):
    # A support is taken back at once: given again in one click while supports are open.
    try:
        support_id = whole_number(params.get("support", ""))
    except ValueError:
        raise Http404 from None
    if not withdraw_own_support(support_id, key):
        raise Http404
    return _("Votre soutien est retiré : il n'est plus compté.")


IMMEDIATE_ACTIONS = {"unfollow": _unfollow, "withdraw_support": _withdraw_support}


def my_data_action(request, token, key):
    """Withdrawing and erasing cannot be undone: only a POST that says it is confirmed acts; any other is sent to
    the page that asks."""
    action = request.POST.get("action")
    own_page = reverse("participation:my_data", args=[token])
    if action in IMMEDIATE_ACTIONS:
        return redirect_with_notice(request, own_page, "my_data", IMMEDIATE_ACTIONS[action](request.POST, key))
    if action not in CONFIRMED_ACTIONS:
        return HttpResponseRedirect(own_page, status=303)
    if request.POST.get("confirmed") != "oui":
        asked = {
            name: request.POST[name]
            for name in ("action", "contribution", "comment", "keep_text")
            if name in request.POST
        }
        return HttpResponseRedirect(f"{own_page}?{urlencode(asked)}", status=303)
    if action == "withdraw":
        withdraw(_own_contribution(request.POST, key), key)
        text = _("Votre contribution est retirée : elle n'est plus visible sur le site.")
    elif action == "withdraw_comment":
        withdraw_comment(comments.own_comment(request.POST, key), key)
        text = _("Votre commentaire est retiré : il n'est plus visible sur le site.")
    else:
        erase_personal_data(key, keep_published_text=request.POST.get("keep_text") == "on")
        text = _("Vos données personnelles sont effacées. Ce lien ne vous montre plus rien.")
    return redirect_with_notice(request, own_page, "my_data", text)


@never_cache
def my_data_download(request, token):
    try:
        key = key_from_rights_token(token)
    except Refused:
        raise Http404 from None
    return json_response(stored_data_of(key), "mes-donnees")


@never_cache
def confirm(request, token):
    if request.method != "POST":
        just_confirmed = "confirmed" in notices_for(request)
        try:
            contribution = contribution_from_token(token, CONFIRM_SALT, settings.CONTRIBUTION_CONFIRMATION_HOURS * 3600)
        except Refused as refusal:
            if just_confirmed:
                return invalid_link(request, refusal)
            contribution = None  # said when the button is pressed, as before
        if contribution is not None and contribution.status != ContributionStatus.AWAITING_CONFIRMATION:
            # The link opened again, or the page reloaded: what became of it, never a second "confirm".
            context = {"contribution": contribution, "process": contribution.process, "again": not just_confirmed}
            return TemplateResponse(request, "participation/confirmed.html", context)
        # Mail scanners open links: confirming takes a click on the page, not the visit.
        return TemplateResponse(request, "participation/confirm.html", {"token": token})
    try:
        contribution = confirm_contribution(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    response = redirect_with_notice(
        request, reverse("participation:confirm", args=[token]), "confirmed", _("Contribution confirmée")
    )
    if contribution.email:  # its author read the email: their browser gets a pass, to support and comment
        give_pass(response, confirm_participant(contribution.email))
    return response


REGISTRATION_LINKS = {
    "confirm": (REGISTRATION_CONFIRM_SALT, confirm_registration, "participation:confirm_registration"),
    "cancel": (REGISTRATION_CANCEL_SALT, cancel_registration, "participation:cancel_registration"),
}


def registration_link(request, token, action):
    """Confirm or cancel a meeting registration from the emailed link: a click on the page, not the visit."""
    salt, perform, url_name = REGISTRATION_LINKS[action]
    if request.method != "POST" and (done := notices_for(request).get("registration_" + action)):
        # A cancelled registration is gone: the notice says what it was.
        return TemplateResponse(request, "participation/registration.html", {"action": action, "done": done})
    try:
        registration = registration_from_token(token, salt)
        if request.method == "POST":
            perform(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    if request.method == "POST":
        if action == "confirm":
            text = _(
                "Votre inscription à la rencontre « %(title)s » est confirmée : une place vous est réservée. Un "
                "courriel vous indique comment l'annuler si vous ne pouvez pas venir."
            )
        else:
            text = _("Votre inscription à la rencontre « %(title)s » est annulée : votre place est libérée.")
        return redirect_with_notice(
            request,
            reverse(url_name, args=[token]),
            "registration_" + action,
            text % {"title": registration.process.title},
        )
    context = {"action": action, "registration": registration, "process": registration.process}
    return TemplateResponse(request, "participation/registration.html", context)


@never_cache
def confirm_registration_link(request, token):
    return registration_link(request, token, "confirm")


@never_cache
def cancel_registration_link(request, token):
    return registration_link(request, token, "cancel")


@never_cache
@sensitive_post_parameters()
def appeal(request, token):
    try:
        contribution = contribution_for_appeal(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    form = AppealForm(request.POST or None)
    context = {"contribution": contribution, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return TemplateResponse(request, "participation/appeal.html", context, status=400)
        try:
            check_rate_limit("appeal", fingerprint(request))
            file_appeal(contribution, form.cleaned_data["explanation"])
        except (Refused, ValidationError) as refusal:
            context["refusal"] = getattr(refusal, "message", str(refusal))
            return TemplateResponse(request, "participation/appeal.html", context, status=400)
        return redirect_with_notice(
            request,
            reverse("participation:appeal", args=[token]),
            "appeal",
            _(
                "Votre contestation est enregistrée. Une autre personne que celle qui a pris la décision "
                "l'examinera, et vous recevrez sa réponse par courriel."
            ),
        )
    if sent := notices_for(request).get("appeal"):
        context["appeal_sent"] = sent
    elif hasattr(contribution, "appeal"):
        context["already_appealed"] = True
    return TemplateResponse(request, "participation/appeal.html", context)


# Comments (their own module, which registers the participant action "comment" and reads the helpers above).
from . import comments  # noqa: E402
