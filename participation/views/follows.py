"""Following a process by email, and the one-click unsubscribe of its emails: thin views over `services.follows`."""

from django import forms
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from ..models import ProcessFollow
from ..services import Refused
from ..services.follows import follow as follow_process
from ..services.follows import follow_from_unsubscribe_token, request_follow, unsubscribe
from . import (
    invalid_link,
    notices_for,
    participant_of,
    process_route_url,
    redirect_with_notice,
    render_process,
    throttled,
)


class FollowForm(forms.Form):
    """Without a pass: the address the confirmation link goes to. With one, the form is a button."""

    email = forms.EmailField(
        label=gettext_lazy("Votre adresse électronique"),
        max_length=254,
        help_text=gettext_lazy("Elle n'est jamais publiée. Un lien de confirmation vous sera envoyé."),
    )
    # Left empty by people; robots fill every field.
    website = forms.CharField(required=False, label=gettext_lazy("Laissez ce champ vide"))

    @property
    def is_from_a_robot(self):
        return bool(self.cleaned_data.get("website"))


# The process page holds other forms with an email field: this one's ids and names are its own.
FOLLOW_PREFIX = "suivre"


def followed(request, process, text):
    return redirect_with_notice(request, process_route_url(request, process, "follow", "#suivre"), "follow", text)


FOLLOW_LINK_SENT = gettext_lazy(
    "Un courriel vient de vous être envoyé : ouvrez le lien qu'il contient pour confirmer votre abonnement. "
    "Sans confirmation, vous ne recevrez rien."
)


@never_cache
@sensitive_post_parameters()
@throttled("follow")
def follow(request, process):
    if request.method != "POST":
        return render_process(request, process, notices=notices_for(request))
    participant = participant_of(request)
    try:
        if participant is not None:
            follow_process(process, participant)
            return followed(
                request, process, _("C'est noté : vous recevrez par courriel les nouvelles de cette démarche.")
            )
        form = FollowForm(request.POST, prefix=FOLLOW_PREFIX)
        if not form.is_valid():
            return render_process(request, process, status=400, follow_form=form)
        if not form.is_from_a_robot:
            request_follow(process, form.cleaned_data["email"])
    except Refused as refusal:
        return render_process(request, process, status=400, follow_refusal=refusal.message)
    return followed(request, process, FOLLOW_LINK_SENT)


@csrf_exempt  # RFC 8058: a mail client's one-click POST carries no CSRF token; the signed link is the proof.
@never_cache
def unsubscribe_link(request, token):
    """The link of every email to followers: GET asks for a click (mail scanners open links), POST stops the
    emails (a browser's button, or a mail client's `List-Unsubscribe=One-Click`), without signing in; a second
    use says it is already done."""
    if request.method != "POST" and (done := notices_for(request).get("unsubscribe")):
        return TemplateResponse(request, "participation/unsubscribe.html", {"done": done})
    try:
        found = follow_from_unsubscribe_token(token)
        if request.method == "POST":
            stopped = unsubscribe(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    if request.method != "POST":
        return TemplateResponse(request, "participation/unsubscribe.html", {"token": token, "follow": found})
    if found is None or not stopped:
        text = _("C'était déjà fait : vous ne suivez plus cette démarche.")
    else:
        text = _("C'est fait : vous ne recevrez plus de courriel sur la démarche « %(process)s ».") % {
            "process": found.process.title
        }
    if request.POST.get("List-Unsubscribe") == "One-Click":  # a mail client: no page to go back to
        return TemplateResponse(request, "participation/unsubscribe.html", {"done": text})
    return redirect_with_notice(request, reverse("participation:unsubscribe", args=[token]), "unsubscribe", text)


def follow_context(process, request):
    """The follow form: a button with a pass (and whether its holder already follows), else the email field."""
    participant = participant_of(request)
    following = (
        participant is not None
        and ProcessFollow.objects.filter(
            process=process, contributor_key=participant.contributor_key, confirmed_at__isnull=False
        ).exists()
    )
    return {
        "follow_form": FollowForm(prefix=FOLLOW_PREFIX),
        "has_pass": participant is not None,
        "following": following,
    }
