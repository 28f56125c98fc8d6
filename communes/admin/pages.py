"""Page views of the admin that Wagtail leaves open: the chooser, the confirmation of a move."""

from django.http import Http404

from ..policies import pages_choosable_by, sees_everything


def scope_page_chooser(pages, request):
    """Commune editors choose among their commune's pages and the portal above them; staff among all pages."""
    if sees_everything(request.user):
        return pages
    return pages.filter(pk__in=pages_choosable_by(request.user).values("pk"))


def refuse_moves_the_user_may_not_make(request, page, destination):
    """A `before_move_page` hook: Wagtail's confirmation page names both pages before its action checks anything."""
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise Http404
