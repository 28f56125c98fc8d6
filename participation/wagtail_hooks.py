"""The participation app's hooks: registrations only; what each one does lives in `participation.admin`."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin import answers, comments, exports, moderation
from .admin.viewsets import ContributionViewSet, EventRegistrationViewSet, ThemeViewSet


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [ContributionViewSet(), comments.CommentViewSet(), EventRegistrationViewSet()]


register_snippet(ThemeViewSet)

for bulk_action in [*moderation.BULK_ACTIONS, *comments.COMMENT_BULK_ACTIONS]:
    hooks.register("register_bulk_action", bulk_action)

hooks.register("register_admin_urls", moderation.moderation_urls)
hooks.register("register_admin_urls", comments.comment_moderation_urls)
hooks.register("register_admin_urls", exports.export_urls)
hooks.register("register_admin_menu_item", exports.exports_menu_item)
hooks.register("construct_homepage_panels", moderation.add_moderation_panel)
hooks.register("construct_homepage_panels", comments.add_comment_queues)
hooks.register("register_log_actions", moderation.register_moderation_log_actions)
hooks.register("register_admin_urls", answers.answer_urls)
hooks.register("register_admin_menu_item", answers.answers_menu_item)
hooks.register("register_log_actions", answers.register_answer_log_actions)
hooks.register("register_log_actions", comments.register_comment_log_actions)
hooks.register("filter_form_submissions_for_user", exports.raw_answers_only_with_the_personal_data_permission)
