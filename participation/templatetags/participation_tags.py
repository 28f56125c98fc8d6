"""What the pages of the apps below show of processes: the commune space's page lists its processes from here."""

from django import template

from ..models import ProcessPage, open_first

register = template.Library()


@register.simple_tag
def commune_processes(space):
    """The processes of a commune space a visitor may see, open ones first (the one rule of `listed()`)."""
    return open_first(ProcessPage.objects.listed().child_of(space))
