from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from communes.models import CommuneSpacePage

from .accessibility import audit_context
from .models import LegalTextKind, LegalTextVersion
from .services import current_version


def render_version(request, kind, version, *, commune_space=None, status=200, by_number=False):
    today = timezone.localdate()
    is_current = version is not None and version == current_version(kind, today)
    is_upcoming = version is not None and version.effective_on > today
    context = {
        "kind": kind,
        "version": version,
        "is_current": is_current,
        "is_upcoming": is_upcoming,
        "commune_space": commune_space,
        # A version opened by its number is titled with it, so that each version's page has its own title (RGAA 8.6).
        "by_number": by_number,
        **audit_context(kind, today, archived=version is not None and not is_current and not is_upcoming),
    }
    return TemplateResponse(request, "charter/legal_text.html", context, status=status)


def current(request, kind):
    version = current_version(kind)
    # A text not yet published still answers, saying so, rather than a bare 404.
    return render_version(request, kind, version, status=200 if version else 404)


def version(request, kind, number):
    version = get_object_or_404(LegalTextVersion.objects.published(), kind=kind, number=number)
    return render_version(request, kind, version, by_number=True)


def history(request, kind):
    versions = LegalTextVersion.objects.published().filter(kind=kind).defer("body").order_by("-number")
    today = timezone.localdate()
    return TemplateResponse(
        request,
        "charter/legal_text_history.html",
        {"kind": kind, "versions": versions, "current": current_version(kind, today), "today": today},
    )


def privacy_for_commune(request, slug):
    """The Métropole's notice, followed by what only this commune knows about its processes."""
    space = CommuneSpacePage.objects.listed().filter(commune__slug=slug).first()
    if space is None:
        raise Http404
    kind = LegalTextKind.PRIVACY
    version = current_version(kind)
    return render_version(request, kind, version, commune_space=space, status=200 if version else 404)
