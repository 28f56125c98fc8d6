"""Comments on the process page: post one (or a reply), report one, contest a rejection, withdraw one's own.

Thin views over `services.comments` and `services.moderation`; the routes are the process page's (its convention
gate and view restrictions apply: an internal process's comments are its agents' only).
"""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from charter.services import current_acceptance_terms, current_charter_rules
from core.input import whole_number

from ..forms import AppealForm, CommentForm, ReportForm
from ..models import Comment, Contribution, ContributionStatus, ModerationMode, ProcessState
from ..services import Refused
from ..services.abuse import check_rate_limit
from ..services.comments import submit_comment
from ..services.links import comment_for_appeal
from ..services.moderation import file_appeal, report_content
from . import (
    client_address,
    fingerprint,
    invalid_link,
    notices_for,
    participant_of,
    process_route_url,
    redirect_with_notice,
    render_process,
)
from .contribution_list import listing_kept

COMMENT_FIELDS = ("pk", "contribution_id", "parent_id", "pseudonym", "text", "published_at")


def public_comments_prefetch():
    """The published comments of a page of contributions and their published replies, oldest first: two queries
    for the whole page, whatever its length (`contribution.public_comments`, `comment.public_replies`). For a page
    already read (the keyset pages of views.contribution_list are lists): `prefetch_related_objects`."""
    replies = (
        Comment.objects.filter(status=ContributionStatus.PUBLISHED).only(*COMMENT_FIELDS).order_by("published_at", "pk")
    )
    comments = (
        Comment.objects.filter(status=ContributionStatus.PUBLISHED, parent__isnull=True)
        .only(*COMMENT_FIELDS)
        .order_by("published_at", "pk")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="public_replies"))
    )
    return Prefetch("comments", queryset=comments, to_attr="public_comments")


def with_public_comments(contributions):
    return contributions.prefetch_related(public_comments_prefetch())


def comments_context(process, request):
    """What the comment forms of a process page need: whether they are open, the pass, the legal texts shown."""
    participant = participant_of(request)
    return {
        "comments_open": process.accepts_comments and process.state == ProcessState.OPEN,
        "comment_with_email": participant is None,
        "comment_terms": current_acceptance_terms(),
        "comments_moderated_after": process.moderation_mode == ModerationMode.AFTER,
    }


def _listing_anchor(request):
    """Back to the page of contributions the visitor was reading (the form's action carries it)."""
    return listing_kept(request) + "#contributions"


def _parent_of(contribution, raw):
    if raw is None:
        return None
    parent = Comment.objects.filter(pk=raw, contribution=contribution).first()
    if parent is None:
        raise Refused(_("Le commentaire auquel vous répondez n'existe pas, ou ne porte pas sur cette contribution."))
    return parent


def _form_id(contribution_id, parent_id):
    return f"reponse-{parent_id}" if parent_id else f"commentaire-{contribution_id}"


def _sent_text(participant, process):
    if participant is None:
        return _(
            "Merci ! Un courriel vient de vous être envoyé : ouvrez le lien qu'il contient pour confirmer votre "
            "commentaire. Sans confirmation, il n'est pas pris en compte."
        )
    if process.moderation_mode == ModerationMode.AFTER:
        return _("Merci ! Votre commentaire est publié ; les modérateurs le reliront.")
    return _("Merci ! Votre commentaire est envoyé aux modérateurs : il sera publié après leur relecture.")


@never_cache
@sensitive_post_parameters()
def comment(request, process, contribution_id):
    if request.method != "POST":
        # The page a comment leads back to: only for a published contribution (it tells nothing of the others).
        get_object_or_404(Contribution.objects.published(), pk=contribution_id, process=process)
        return render_process(request, process, notices=notices_for(request))
    contribution = get_object_or_404(Contribution, pk=contribution_id, process=process)
    participant = participant_of(request)
    try:
        parent_id = whole_number(request.POST.get("parent") or "0") or None
    except ValueError:
        parent_id = None
    form = CommentForm(
        request.POST,
        with_email=participant is None,
        terms=current_acceptance_terms(),
        parent=parent_id,
        prefix_id=_form_id(contribution.pk, parent_id),
    )
    failed = {"sent_comment_form": form, "comment_target": _form_id(contribution.pk, parent_id)}
    if not form.is_valid():
        return render_process(request, process, status=400, **failed)
    back = process_route_url(request, process, "comment", _listing_anchor(request), contribution_id=contribution.pk)
    if form.is_from_a_robot:
        return redirect_with_notice(request, back, "comment", _sent_text(None, process))
    try:
        check_rate_limit("comment", fingerprint(request))
        submit_comment(
            contribution,
            participant=participant,
            email=form.cleaned_data.get("email"),
            pseudonym=form.cleaned_data["pseudonym"],
            text=form.cleaned_data["text"],
            parent=_parent_of(contribution, form.cleaned_data["parent"]),
            charter_version=form.cleaned_data["charter_version"],
            terms_version=form.cleaned_data["terms_version"],
        )
    except Refused as refusal:
        return render_process(request, process, status=400, comment_refusal=refusal.message, **failed)
    return redirect_with_notice(request, back, "comment", _sent_text(participant, process))


@never_cache
def report_comment(request, process, comment_id):
    if request.method != "POST":
        get_object_or_404(Comment.objects.public(), pk=comment_id, contribution__process=process)
        return render_process(request, process, notices=notices_for(request))
    found = get_object_or_404(Comment, pk=comment_id, contribution__process=process)
    form = ReportForm(request.POST, rules=current_charter_rules())
    try:
        if not form.is_valid():
            raise Refused(form.errors["rule_key"][0])
        check_rate_limit("report", fingerprint(request))
        report_content(found, rule_key=form.cleaned_data["rule_key"], client_address=client_address(request))
    except Refused as refusal:
        return render_process(request, process, status=400, report_refusal=refusal.message)
    return redirect_with_notice(
        request,
        process_route_url(request, process, "report_comment", _listing_anchor(request), comment_id=found.pk),
        "report",
        _("Merci : votre signalement est enregistré et sera examiné par les modérateurs."),
    )


@never_cache
@sensitive_post_parameters()
def appeal_comment(request, token):
    """The author of a rejected comment contests the decision, once (the link of the rejection email)."""
    try:
        found = comment_for_appeal(token)
    except Refused as refusal:
        return invalid_link(request, refusal)
    form = AppealForm(request.POST or None)
    context = {"contribution": found, "is_comment": True, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return TemplateResponse(request, "participation/appeal.html", context, status=400)
        try:
            check_rate_limit("appeal", fingerprint(request))
            file_appeal(found, form.cleaned_data["explanation"])
        except Refused as refusal:
            context["refusal"] = refusal.message
            return TemplateResponse(request, "participation/appeal.html", context, status=400)
        return redirect_with_notice(
            request,
            reverse("participation:appeal_comment", args=[token]),
            "appeal",
            _(
                "Votre contestation est enregistrée. Une autre personne que celle qui a pris la décision "
                "l'examinera, et vous recevrez sa réponse par courriel."
            ),
        )
    if sent := notices_for(request).get("appeal"):
        context["appeal_sent"] = sent
    elif hasattr(found, "appeal"):
        context["already_appealed"] = True
    return TemplateResponse(request, "participation/appeal.html", context)


def own_comment(params, key):
    """One of the comments of the personal page's owner, named in the request; anyone else's is not found."""
    try:
        comment_id = whole_number(params.get("comment", ""))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(
        Comment.objects.select_related("contribution__process"), pk=comment_id, contributor_key=key
    )
