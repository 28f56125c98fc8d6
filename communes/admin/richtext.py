"""Page links in rich text, as the admin's editor shows them: only pages the user may choose are named.

Draftail shows a linked page's address and opens the chooser at its parent: Wagtail looks the page up by id, for
anyone, whenever a rich text field is rendered (a stored link, or one just posted in a form that is refused). A
page the user may not choose (another commune's draft or internal process) is shown as Wagtail shows a page that
does not exist: a broken link that keeps its id, so that saving the form loses nothing.

The converter is not told who is looking: it asks `current_request`.
"""

from wagtail.admin.rich_text.converters.contentstate import link_entity
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    ExternalLinkElementHandler,
    PageLinkElementHandler,
)
from wagtail.models import Page

from ..policies import pages_choosable_by
from ..visibility import public_pages
from .current_request import current_user


def pages_linkable_here():
    """The pages the current user may choose; outside a request, or for anyone else, the public ones."""
    user = current_user()
    return pages_choosable_by(user) if user is not None else public_pages(Page.objects.all())


class ScopedPageLinkElementHandler(PageLinkElementHandler):
    def get_attribute_data(self, attrs):
        data = super().get_attribute_data(attrs)
        if data.get("id") is not None and not pages_linkable_here().filter(pk=data["id"]).exists():
            return {"id": data["id"], "url": None, "parentId": None}
        return data


def scope_page_links(features):
    """A `register_rich_text_features` hook, after Wagtail's: its "link" rule again, with the handler above."""
    features.register_converter_rule(
        "contentstate",
        "link",
        {
            "from_database_format": {
                "a[href]": ExternalLinkElementHandler("LINK"),
                'a[linktype="page"]': ScopedPageLinkElementHandler("LINK"),
            },
            "to_database_format": {"entity_decorators": {"LINK": link_entity}},
        },
    )
