"""What the pages of the apps below show of processes: the commune space's page lists its processes from here."""

from django import template

from ..models import ProcessPage, open_first

register = template.Library()


@register.simple_tag
def commune_processes(space):
    """The processes of a commune space a visitor may see, open ones first (the one rule of `listed()`)."""
    return open_first(ProcessPage.objects.listed().child_of(space))


# A contribution's or a comment's state as its author reads it on their personal page (the admin's labels are the
# moderators' words: "À modérer"). Contributions are feminine, comments masculine.
AUTHOR_STATES = {
    "unconfirmed": ("en attente de votre confirmation", "en attente de votre confirmation"),
    "pending": ("en attente de relecture par les modérateurs", "en attente de relecture par les modérateurs"),
    "published": ("publiée", "publié"),
    "rejected": ("refusée", "refusé"),
    "hidden": ("masquée", "masqué"),
    "withdrawn": ("retirée", "retiré"),
}


@register.filter
def state_for_author(item):
    """`{{ contribution|state_for_author }}` → "En attente de relecture par les modérateurs"."""
    feminine, masculine = AUTHOR_STATES.get(item.status, (item.get_status_display(),) * 2)
    return (masculine if item._meta.model_name == "comment" else feminine).capitalize()
