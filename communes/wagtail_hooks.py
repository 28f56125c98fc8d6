"""The communes app's hooks: registrations only; what each one does lives beside the concern it serves."""

from django.urls import path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from core.versioning import keep_published_versions_public

from .admin import gate, pages, panels
from .admin.api import scope_admin_api
from .admin.richtext import scope_page_links
from .admin.scoping import hide_staff_reports
from .admin.views import acknowledge
from .admin.viewsets import CommunesAndConventionsGroup
from .serving import serve_only_visible_documents, serve_only_what_the_visitor_may_see

register_snippet(CommunesAndConventionsGroup)

# Serving: the one rule of what a visitor may see.
hooks.register("before_serve_page", serve_only_what_the_visitor_may_see)
hooks.register("before_serve_document", serve_only_visible_documents)

# The convention gate in the page views: a message that says why and whom to contact.
hooks.register("before_create_page", gate.warn_before_creating_under_inactive_commune)
hooks.register("before_edit_page", gate.read_only_while_inactive)
hooks.register("before_publish_page", gate.refuse_publishing_under_inactive_commune)
hooks.register("after_create_page", gate.explain_why_publish_saved_a_draft)
hooks.register("after_edit_page", gate.explain_why_publish_saved_a_draft)

# Each in their room: the page chooser and the admin API ask the permission policies.
hooks.register("construct_page_chooser_queryset", pages.scope_page_chooser)
hooks.register("before_move_page", pages.refuse_moves_the_user_may_not_make)
hooks.register("construct_admin_api", scope_admin_api, order=100)  # after Wagtail's own endpoints
hooks.register("register_rich_text_features", scope_page_links, order=100)  # after Wagtail's "link"
hooks.register("construct_reports_menu", hide_staff_reports)
hooks.register("before_unpublish", keep_published_versions_public)

# Art. 10: notices on the dashboard, acknowledged by commune editors.
hooks.register("construct_homepage_panels", panels.add_convention_notices)
hooks.register("register_log_actions", panels.register_convention_log_actions)
hooks.register(
    "register_admin_urls",
    lambda: [
        path(
            "conventions/notifications/<int:pk>/accuser-reception/",
            acknowledge,
            name="communes_acknowledge_notification",
        )
    ],
)
