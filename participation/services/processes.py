"""Processes: created once by the demo data and tests, and their audience applied whatever path published them."""

from django.utils.text import slugify
from wagtail.models import PageViewRestriction

from communes.gate import commune_space_of
from communes.models import CommuneGroup, CommuneRole
from communes.roles import staff_group

from ..models import ProcessPage


def ensure_process(space, *, title, summary="", publish=True, user=None, phases=(), **fields):
    """A process page under the commune space, created once (by slug); returns (process, created). Its body is
    empty unless given (`body=`): the page shows the summary already."""
    slug = slugify(title)[:80]
    process = ProcessPage.objects.child_of(space).filter(slug=slug).first()
    if process is not None:
        return process, False
    process = ProcessPage(
        title=title,
        slug=slug,
        summary=summary,
        live=False,
        **fields,
    )
    for order, phase in enumerate(phases):
        phase.sort_order = order  # as the admin's inline panel numbers them: in the order given
        process.phases.add(phase)
    space.add_child(instance=process)
    revision = process.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
        process.refresh_from_db()
    return process, True


def apply_audience(process):
    """Art. 7: an internal process is read by its commune's agents (and Métropole staff), through a view restriction.

    `communes.visibility` also reads the audience itself, so that a restriction removed by mistake opens nothing.
    """
    agents = CommuneGroup.objects.get(commune=commune_space_of(process).commune, role=CommuneRole.AGENTS).group
    ours = PageViewRestriction.objects.filter(page=process, restriction_type=PageViewRestriction.GROUPS, groups=agents)
    if not process.is_internal:
        ours.delete()
        return
    restriction = ours.first() or PageViewRestriction.objects.create(
        page=process, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.set([group for group in (agents, staff_group()) if group is not None])
