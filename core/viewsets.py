"""One base for the admin's model viewsets: every view finds only what the model's permission policy allows.

Wagtail's generic views check the model permission (may this user change contributions at all?) and look objects
up by id. Here each view also asks the policy registered for the model which instances are in the user's scope,
for the action the view performs: the index lists only those, and an object outside the scope is not found (404),
rather than shown or refused by name. The apps' policies (`core.permissions.ScopedPermissionPolicy`) say what the
scope is.
"""

from django.http import Http404
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

READ_ACTIONS = ["view"]


class PolicyScopedViewMixin:
    """Narrows a generic view to the instances the permission policy allows for the view's action."""

    scope_actions = READ_ACTIONS

    def scoped_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(self.request.user, self.scope_actions)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.scoped_queryset().filter(pk=obj.pk).exists():
            raise Http404
        return obj


class ScopedIndexView(PolicyScopedViewMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(pk__in=self.scoped_queryset().values("pk"))


class ScopedInspectView(PolicyScopedViewMixin, generic.InspectView):
    pass


class ScopedHistoryView(PolicyScopedViewMixin, history.HistoryView):
    pass


class ScopedUsageView(PolicyScopedViewMixin, usage.UsageView):
    pass


class ScopedEditView(PolicyScopedViewMixin, generic.EditView):
    scope_actions = ["change"]


class ScopedCopyView(PolicyScopedViewMixin, generic.CopyView):
    scope_actions = ["add"]


class ScopedDeleteView(PolicyScopedViewMixin, generic.DeleteView):
    scope_actions = ["delete"]


class PolicyScopedModelViewSet(ModelViewSet):
    """A `ModelViewSet` whose views are narrowed by the model's permission policy (see the module's docstring)."""

    index_view_class = ScopedIndexView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    edit_view_class = ScopedEditView
    copy_view_class = ScopedCopyView
    delete_view_class = ScopedDeleteView
    # Models of this kind are chosen by no page: no chooser, no copy.
    copy_view_enabled = False
