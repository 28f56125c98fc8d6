"""Snippet choosers that respect who may see what (invariant 5).

Wagtail's snippet chooser lists every instance to any admin user; ours first
asks the model's permission policy, and a viewset may narrow the list further.
"""

from django.core.exceptions import PermissionDenied
from wagtail.permissions import policy_registry
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet, SnippetChosenView


class RequireModelPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        policy = policy_registry.get_by_type(self.model_class)
        if not policy.user_has_any_permission(request.user, ["add", "change", "delete", "view"]):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object_list(self):
        return self.scope_queryset(super().get_object_list())

    def scope_queryset(self, queryset):
        return queryset


class PermissionCheckedChooseView(RequireModelPermissionMixin, ChooseView):
    pass


class PermissionCheckedChooseResultsView(RequireModelPermissionMixin, ChooseResultsView):
    pass


class PermissionCheckedChosenView(RequireModelPermissionMixin, SnippetChosenView):
    pass


class PermissionCheckedChooserViewSet(SnippetChooserViewSet):
    choose_view_class = PermissionCheckedChooseView
    choose_results_view_class = PermissionCheckedChooseResultsView
    chosen_view_class = PermissionCheckedChosenView
