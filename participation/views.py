"""Citizens' side of the participation: thin views over the services.

Views that show a citizen's own data (the pages of the links sent by email, a form sent back with what they
typed) are `never_cache`: neither a browser's history nor a shared cache keeps them.
"""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from charter.services import current_acceptance_terms, current_charter_rules
from communes.visibility import visible_pages
from core.exports import csv_response, json_response, rows_as_records
from core.input import whole_number

from .forms import AppealForm, ContributionForm, RegistrationForm, ReportForm
from .models import Contribution, QuestionnairePage
from .services import Refused
from .services.abuse import account_fingerprint, check_rate_limit, client_fingerprint, client_network
from .services.contributions import confirm_contribution, refuse_unless_open, submit_contribution
from .services.events import cancel_registration, confirm_registration, register_for_event, seats_left
from .services.links import (
    REGISTRATION_CANCEL_SALT,
    REGISTRATION_CONFIRM_SALT,
    contribution_for_appeal,
    registration_from_token,
)
from .services.moderation import file_appeal, report_contribution
from .services.personal_data import (
    contributions_of,
    erase_personal_data,
    has_personal_data,
    key_from_rights_token,
    open_data_available,
    open_data_rows,
    stored_data_of,
    withdraw,
)


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
    """What the process page shows: its state, published contributions (paginated) and its forms."""
    published = (
        Contribution.objects.published()
        .filter(process=process)
        .only("pk", "pseudonym", "text", "published_at", "theme__name")
        .select_related("theme")
        .order_by("-published_at", "-pk")
    )
    contributions = Paginator(published, settings.CONTRIBUTIONS_PER_PAGE).get_page(request.GET.get("page"))
    rules = current_charter_rules()
    return {
        "open_data": open_data_available(process),
        "contributions": contributions,
        "report_form": ReportForm(rules=rules),
        "contribution_form": ContributionForm(process=process, terms=current_acceptance_terms()),
        "registration_form": RegistrationForm(),
        "places_left": seats_left(process),
        "questionnaires": visible_pages(QuestionnairePage.objects.child_of(process), request.user),
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


@never_cache
@sensitive_post_parameters()
def contribute(request, process):
    if request.method != "POST":
        return render_process(request, process)
    form = ContributionForm(request.POST, process=process, terms=current_acceptance_terms())
    if not form.is_valid():
        return render_process(request, process, status=400, contribution_form=form, form_error=True)
    if form.is_from_a_robot:
        return render_process(request, process, contribution_sent=True)
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
        fresh = ContributionForm(request.POST, process=process, terms=current_acceptance_terms())
        fresh.is_valid()
        return render_process(request, process, status=400, contribution_form=fresh, refusal=refusal.message)
    return render_process(request, process, contribution_sent=True)


@never_cache
@require_POST
def report(request, process, contribution_id):
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
    return render_process(request, process, report_sent=True)


@never_cache
@sensitive_post_parameters()
def register(request, process):
    if request.method != "POST":
        return render_process(request, process)
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        return render_process(request, process, status=400, registration_form=form)
    if form.is_from_a_robot:
        return render_process(request, process, registration_sent=True)
    try:
        check_rate_limit("register", fingerprint(request))
        register_for_event(
            process, name=form.cleaned_data["name"], email=form.cleaned_data["email"], needs=form.cleaned_data["needs"]
        )
    except Refused as refusal:
        return render_process(
            request, process, status=400, registration_form=form, registration_refusal=refusal.message
        )
    return render_process(request, process, registration_sent=True)


def open_data(request, process, file_format):
    """Anonymised published contributions of a closed public process, for anyone to reuse."""
    if not open_data_available(process):
        raise Http404
    filename = f"contributions-{process.slug}"
    if file_format == "csv":
        return csv_response(open_data_rows(process), filename)
    return json_response(rows_as_records(open_data_rows(process)), filename)


@never_cache
@sensitive_post_parameters()
def my_data(request, token):
    """The contributor's own page, reached through the link in each email: see, withdraw, erase, download."""
    try:
        key = key_from_rights_token(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    context = {"token": token}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "withdraw":
            try:
                contribution_id = whole_number(request.POST.get("contribution", ""))
            except ValueError:
                raise Http404 from None
            contribution = get_object_or_404(Contribution, pk=contribution_id, contributor_key=key)
            withdraw(contribution, key)
            context["done"] = "Votre contribution est retirée : elle n'est plus visible sur le site."
        elif action == "erase":
            erase_personal_data(key, keep_published_text=request.POST.get("keep_text") == "on")
            context["done"] = "Vos données personnelles sont effacées. Ce lien ne vous montre plus rien."
    contributions = contributions_of(key)
    context.update(contributions=contributions, has_data=has_personal_data(key))
    return TemplateResponse(request, "participation/my_data.html", context)


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
        # Mail scanners open links: confirming takes a click on the page, not the visit.
        return TemplateResponse(request, "participation/confirm.html", {"token": token})
    try:
        contribution = confirm_contribution(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    return TemplateResponse(
        request, "participation/confirmed.html", {"contribution": contribution, "process": contribution.process}
    )


REGISTRATION_LINKS = {
    "confirm": (REGISTRATION_CONFIRM_SALT, confirm_registration),
    "cancel": (REGISTRATION_CANCEL_SALT, cancel_registration),
}


def registration_link(request, token, action):
    """Confirm or cancel a meeting registration from the emailed link: a click on the page, not the visit."""
    salt, perform = REGISTRATION_LINKS[action]
    try:
        registration = registration_from_token(token, salt)
        context = {"action": action, "registration": registration, "process": registration.process}
        if request.method == "POST":
            perform(token)
            context["done"] = True
    except Refused as refusal:
        return invalid_link(request, refusal)
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
        context["appeal_sent"] = True
    elif hasattr(contribution, "appeal"):
        context["already_appealed"] = True
    return TemplateResponse(request, "participation/appeal.html", context)
