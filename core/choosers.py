"""Snippet choosers that ask the model's permission policy (DESIGN invariant 5).

Wagtail's snippet chooser lists, and its "chosen" views name, every instance to any admin user. Here every view of
the chooser first asks the model's permission policy: a user without any permission on the model is refused, and
the others find only the instances the policy puts in their scope.
"""

from django.core.exceptions import PermissionDenied
from wagtail.permissions import policy_registry
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)

ACTIONS = ["add", "change", "delete", "view"]


class RequireModelPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not self.policy.user_has_any_permission(request.user, ACTIONS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def policy(self):
        return policy_registry.get_by_type(self.model_class)

    def scoped(self, queryset):
        visible = self.policy.instances_user_has_any_permission_for(self.request.user, ACTIONS)
        return queryset.filter(pk__in=visible.values("pk"))

    def get_object_list(self):
        return self.scoped(super().get_object_list())


class PermissionCheckedChooseView(RequireModelPermissionMixin, ChooseView):
    pass


class PermissionCheckedChooseResultsView(RequireModelPermissionMixin, ChooseResultsView):
    pass


class PermissionCheckedChosenView(RequireModelPermissionMixin, SnippetChosenView):
    def get_object(self, pk):
        obj = super().get_object(pk)
        if not self.scoped(self.model_class.objects.filter(pk=obj.pk)).exists():
            raise PermissionDenied
        return obj


class PermissionCheckedChosenMultipleView(RequireModelPermissionMixin, SnippetChosenMultipleView):
    def get_objects(self, pks):
        return self.scoped(super().get_objects(pks))


class PermissionCheckedChooserViewSet(SnippetChooserViewSet):
    choose_view_class = PermissionCheckedChooseView
    choose_results_view_class = PermissionCheckedChooseResultsView
    chosen_view_class = PermissionCheckedChosenView
    chosen_multiple_view_class = PermissionCheckedChosenMultipleView
