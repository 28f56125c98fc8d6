"""Supporting a contribution from the process page (the route `contributions/<id>/soutenir/` of ProcessPage, so that
the convention gate and the audience of the page apply to it), and withdrawing a support from the personal page.

With a participant pass, a POST supports or withdraws at once; without one, it emails a link that supports once
opened (services.supports). Every answer to a POST that succeeds is a redirect back to the same list (PRG).
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from ..forms import SupportForm
from ..models import Contribution
from ..services import Refused
from ..services.abuse import check_rate_limit
from ..services.supports import add_support, ask_support_by_email, withdraw_support
from . import fingerprint, notices_for, participant_of, process_route_url, redirect_with_notice, render_process
from .contribution_list import listing_kept


def _back_to_the_list(request, process, contribution, text):
    anchor = listing_kept(request) + f"#contribution-{contribution.pk}"
    return redirect_with_notice(
        request,
        process_route_url(request, process, "support", anchor, contribution_id=contribution.pk),
        "support",
        text,
    )


@never_cache
@sensitive_post_parameters("email")
def support(request, process, contribution_id):
    if request.method != "POST":
        # Where a support form leads back to (and a confirmed link): only for a published contribution.
        get_object_or_404(Contribution.objects.published(), pk=contribution_id, process=process)
        return render_process(request, process, notices=notices_for(request), supported_by_link=True)
    contribution = get_object_or_404(
        Contribution.objects.select_related("process"), pk=contribution_id, process=process
    )
    participant = participant_of(request)
    withdrawing = request.POST.get("action") == "withdraw"
    form = None
    try:
        check_rate_limit("support", fingerprint(request))
        if participant is not None and withdrawing:
            withdraw_support(contribution, participant.contributor_key)
            text = _("Votre soutien est retiré.")
        elif participant is not None:
            counted = add_support(contribution, participant)
            text = _("Merci : votre soutien est compté.") if counted else _("Vous soutenez déjà cette contribution.")
        elif withdrawing:
            raise Refused(
                _(
                    "Votre navigateur n'a pas de passe de participation : retirez votre soutien depuis le lien « Vos "
                    "données » de nos courriels, ou soutenez à nouveau pour recevoir un passe."
                )
            )
        else:
            form = SupportForm(request.POST, auto_id=f"soutien-{contribution.pk}-%s")
            if not form.is_valid():
                return render_process(
                    request, process, status=400, support_form=form, support_error_for=contribution.pk
                )
            if form.is_from_a_robot:
                return _back_to_the_list(request, process, contribution, _link_sent())
            check_rate_limit("support_email", fingerprint(request))
            ask_support_by_email(contribution, form.cleaned_data["email"])
            text = _link_sent()
    except Refused as refusal:
        return render_process(request, process, status=400, support_refusal=refusal.message)
    return _back_to_the_list(request, process, contribution, text)


def _link_sent():
    return _(
        "Un courriel vient de vous être envoyé : ouvrez le lien qu'il contient pour confirmer votre soutien. Sans "
        "confirmation, il n'est pas compté."
    )
