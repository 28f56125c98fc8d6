"""Operations on participatory processes, shared by the admin, the commands and the demo data."""

from django.utils.html import format_html
from django.utils.text import slugify
from wagtail.rich_text import RichText

from .models import ProcessPage


def ensure_process(space, *, title, summary="", publish=True, user=None):
    """A process page under the commune space, created once (by slug); returns (process, created)."""
    slug = slugify(title)[:80]
    process = ProcessPage.objects.child_of(space).filter(slug=slug).first()
    if process is not None:
        return process, False
    process = ProcessPage(
        title=title,
        slug=slug,
        summary=summary,
        body=[("paragraph", RichText(format_html("<p>{}</p>", summary)))] if summary else [],
        live=False,
    )
    space.add_child(instance=process)
    revision = process.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
        process.refresh_from_db()
    return process, True
