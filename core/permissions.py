"""A permission policy for models whose instances belong to someone: Django's model permissions, then a scope.

Wagtail's `ModelPermissionPolicy` answers per model; the apps' policies narrow each answer to the instances in the
user's scope for an action (their communes' contributions, say), so that every view asking the policy — listings,
inspect and history views, choosers, bulk actions — finds only those.
"""

from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry

PAGE_EXPLORE_ACTIONS = {"add", "change", "publish", "lock", "unlock", "bulk_delete"}
OBJECT_ACTIONS = ["add", "change", "delete", "view", "choose"]


def instances_visible_in_admin(user, model):
    """What `user` may see of `model` in the admin, as its permission policy says.

    Pages: those they may explore (their subtree and its ancestors). Other models: the instances they hold any
    permission on. Wagtail views that look objects up by id are made to ask this (`communes.admin.scoping`).
    """
    policy = policy_registry.get_by_type(model)
    if issubclass(model, Page):
        if not policy.user_has_any_permission(user, PAGE_EXPLORE_ACTIONS):
            return Page.objects.none()
        return policy.explorable_instances(user)
    return policy.instances_user_has_any_permission_for(user, OBJECT_ACTIONS)


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Subclasses say which instances are in a user's scope for one action (`scope(user, action)`).

    `refused_actions` are refused to everyone, superusers included: the actions that only the apps' own views and
    services perform (a contribution is written by its author and decided on through moderation, never through a
    model form), so that the admin offers no button or form that could only fail.
    """

    refused_actions = frozenset()

    def scope(self, user, action):
        raise NotImplementedError

    def user_has_permission(self, user, action):
        return action not in self.refused_actions and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [action for action in actions if action not in self.refused_actions]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)

    def instances_user_has_any_permission_for(self, user, actions):
        scopes = [self.scope(user, action) for action in actions if self.user_has_permission(user, action)]
        return reduce(or_, scopes) if scopes else self.model._default_manager.none()

    def instances_user_has_permission_for(self, user, action):
        return self.instances_user_has_any_permission_for(user, [action])

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.instances_user_has_any_permission_for(user, actions).filter(pk=instance.pk).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)
