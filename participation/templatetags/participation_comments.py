"""The comment forms of a process page: one per contribution and per comment, each with its own ids."""

from django import template

from ..forms import CommentForm

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_form(context, contribution, parent=None):
    """The form to comment on `contribution` (or to reply to `parent`): the one sent back with its errors, if it
    was this one, else an empty one."""
    form_id = f"reponse-{parent.pk}" if parent is not None else f"commentaire-{contribution.pk}"
    sent = context.get("sent_comment_form")
    if sent is not None and context.get("comment_target") == form_id:
        return sent
    return CommentForm(
        with_email=context.get("comment_with_email", True),
        terms=context.get("comment_terms"),
        parent=parent.pk if parent is not None else None,
        prefix_id=form_id,
    )
