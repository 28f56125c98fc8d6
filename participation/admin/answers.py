"""Official answers in the admin (issue 14): the commune answers each published contribution.

Editors and moderators of a commune answer its contributions while its convention is active, Métropole staff
every commune's (`permissions.can_answer`). Editors do not moderate: they reach the contributions through the list
"Réponses aux contributions" here; moderators and staff also through the moderation page of each contribution.
Every list and form here finds contributions through `answerable_contributions`, and the service asks `can_answer`
again.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from ..models import AnswerStatus
from ..permissions import answerable_commune_ids, answerable_contributions, can_answer
from ..services.answers import ANSWER_MAX_LENGTH, answer

ANSWERS_PER_PAGE = 50
UNANSWERED = "none"


class AnswerForm(forms.Form):
    answer_status = forms.ChoiceField(
        label=gettext_lazy("Réponse de la commune"), choices=AnswerStatus.choices, widget=forms.RadioSelect
    )
    answer_text = forms.CharField(
        label=gettext_lazy("Texte de la réponse (public)"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Publié sous la contribution et envoyé par courriel à son auteur et aux personnes qui suivent la démarche."
        ),
    )


def _refuse_unless_answering(request):
    if not answerable_commune_ids(request.user):
        raise PermissionDenied


def answers_index(request):
    """The published contributions the user may answer, newest first, filtered by answer."""
    _refuse_unless_answering(request)
    contributions = answerable_contributions(request.user).select_related("process", "commune")
    chosen = request.GET.get("answer_status", "")
    if chosen == UNANSWERED:
        contributions = contributions.filter(answer_status="")
    elif chosen in AnswerStatus.values:
        contributions = contributions.filter(answer_status=chosen)
    else:
        chosen = ""
    page = Paginator(contributions.order_by("-published_at", "-pk"), ANSWERS_PER_PAGE).get_page(request.GET.get("p"))
    choices = [("", _("Toutes")), (UNANSWERED, _("Sans réponse")), *AnswerStatus.choices]
    return TemplateResponse(
        request, "participation/admin/answers.html", {"page_obj": page, "choices": choices, "chosen": chosen}
    )


def answer_view(request, pk):
    """The answer form of one contribution: another commune's, an ended commune's or an unpublished one is not
    found; the service refuses again."""
    contribution = get_object_or_404(answerable_contributions(request.user).select_related("process"), pk=pk)
    initial = {"answer_status": contribution.answer_status, "answer_text": contribution.answer_text}
    form = AnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = answer(
                contribution,
                request.user,
                status=form.cleaned_data["answer_status"],
                text=form.cleaned_data["answer_text"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if changed:
                messages.success(
                    request, _("Réponse publiée ; l'auteur et les personnes qui suivent la démarche en sont informés.")
                )
            else:
                messages.info(request, _("Réponse inchangée : personne n'a été prévenu."))
            return redirect(reverse("participation_answer", args=[contribution.pk]))
    return TemplateResponse(
        request,
        "participation/admin/answer.html",
        {"contribution": contribution, "form": form},
        status=400 if form.errors else 200,
    )


def answer_urls():
    return [
        path("reponses/", answers_index, name="participation_answers"),
        path("reponses/<int:pk>/", answer_view, name="participation_answer"),
    ]


class AnswersMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(answerable_commune_ids(request.user))


def answers_menu_item():
    return AnswersMenuItem(
        gettext_lazy("Réponses aux contributions"), reverse("participation_answers"), icon_name="comment", order=155
    )


def answer_context(user, contribution):
    """What the moderation page of a contribution shows of its answer."""
    return {
        "may_answer": can_answer(user, contribution),
        "answer_url": reverse("participation_answer", args=[contribution.pk]),
    }


LOG_ACTIONS = [("participation.contribution_answered", gettext_lazy("Réponse officielle de la commune"))]


def register_answer_log_actions(actions):
    for action, label in LOG_ACTIONS:
        actions.register_action(action, label, label)
