"""Wagtail admin endpoints that name objects without asking their permission policy, made to ask it.

Wagtail's bulk-action confirmation pages, the page chooser's browse and "chosen" views, the workflow cancellation
check and the site-wide page-types report look objects up by the ids a request names, and show their titles; the
tag autocompletion lists every commune's tags (`tags`). These wrappers are mounted before the
admin's own URLs (`config/urls.py`): they keep only what the user may see in the admin, as each model's permission
policy says (`instances_visible_in_admin`), then hand over to Wagtail's view. An object the user may not see is
not found, rather than listed as "not allowed".
"""

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.bulk_action import index as wagtail_bulk_action
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.views.chooser import BrowseView, ChosenMultipleView
from wagtail.admin.views.home import error_test as wagtail_error_test
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.admin.viewsets.pages import page_viewset_registry
from wagtail.models import Page

from core.permissions import instances_visible_in_admin

from ..policies import sees_everything
from .tags import tag_autocomplete


def _only_visible_ids(request, model, ids):
    """`request` with its `id` parameters narrowed to what the user may see; 404 when none is left."""
    visible = list(instances_visible_in_admin(request.user, model).filter(pk__in=ids).values_list("pk", flat=True))
    if not visible:
        raise Http404
    query = request.GET.copy()
    query.setlist("id", [str(pk) for pk in visible])
    request.GET = QueryDict(query.urlencode())
    return request


@require_admin_access
def bulk_action(request, app_label, model_name, action):
    """Wagtail's bulk actions, on the objects of the request that the user may see."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404 from None
    action_class = bulk_action_registry.get_bulk_action_class(app_label, model_name, action)
    if action_class is None:
        raise Http404
    ids = request.GET.getlist("id")
    if "all" in ids:
        parent_id = request.GET.get("childOf")
        if issubclass(model, Page) and not instances_visible_in_admin(request.user, Page).filter(pk=parent_id).exists():
            raise Http404
        ids = list(action_class(request, model).get_all_objects_in_listing_query(parent_id))
    ids = [pk for pk in ids if str(pk).isdigit()]
    return wagtail_bulk_action(_only_visible_ids(request, model, ids), app_label, model_name, action)


@require_admin_access
def page_chooser_browse(request, parent_page_id):
    """The page chooser opens only pages the user may explore."""
    if not instances_visible_in_admin(request.user, Page).filter(pk=parent_page_id).exists():
        raise Http404
    return BrowseView.as_view()(request, parent_page_id=parent_page_id)


@require_admin_access
def page_chooser_chosen_multiple(request):
    ids = [pk for pk in request.GET.getlist("id") if pk.isdigit()]
    return ChosenMultipleView.as_view()(_only_visible_ids(request, Page, ids))


@require_admin_access
def page_types_usage(request, results=False):
    """Its "last edited page" column names pages of every commune: for Métropole staff only."""
    if not sees_everything(request.user):
        raise PermissionDenied
    view = PageTypesUsageReportView.as_view(results_only=results)
    return view(request)


confirm_workflow_cancellation = page_viewset_registry.as_view("confirm_workflow_cancellation", page_id_kwarg="page_id")


@require_admin_access
def workflow_cancellation(request, page_id):
    """Whether saving a page cancels its workflow: 404 for a page the user may not see, as for one that is not."""
    if not instances_visible_in_admin(request.user, Page).filter(pk=page_id).exists():
        raise Http404
    return confirm_workflow_cancellation(request, page_id=page_id)


def hide_staff_reports(request, menu_items):
    """The reports menu offers the page-types report only to those it opens for (`page_types_usage`)."""
    if not sees_everything(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "page-types-usage"]


def error_test(request):
    """Wagtail's deliberate server error, left to superusers who test the error reporting."""
    if not request.user.is_superuser:
        raise Http404
    return wagtail_error_test(request)


# Mounted under /admin/ before Wagtail's admin (`config/urls.py`): the same paths, asking the policies first.
urlpatterns = [
    path("bulk/<str:app_label>/<str:model_name>/<str:action>/", bulk_action),
    path("choose-page/<int:parent_page_id>/", page_chooser_browse),
    path("choose-page/chosen-multiple/", page_chooser_chosen_multiple),
    path("reports/page-types-usage/", page_types_usage),
    path("reports/page-types-usage/results/", page_types_usage, {"results": True}),
    path("failwhale/", error_test),
    path("pages/workflow/confirm_cancellation/<int:page_id>/", workflow_cancellation),
    path("tag-autocomplete/", tag_autocomplete),
    path("tag-autocomplete/<slug:app_name>/<slug:model_name>/", tag_autocomplete),
]
