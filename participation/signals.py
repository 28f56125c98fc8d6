"""What participation declares to the communes app, and keeps in step whatever the path (admin, command, script)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.forms.models import FormSubmission
from wagtail.signals import page_published

from communes.policies import register_kept_data
from communes.visibility import register_agents_only_pages

from .models import Audience, Contribution, EventRegistration, ProcessPage
from .services.contribution_list import forget_counts
from .services.follows import notify_results
from .services.processes import apply_audience


@receiver(page_published, sender=ProcessPage)
def restrict_internal_processes(sender, instance, **kwargs):
    # Art. 7: set automatically, whatever the path that published the page.
    apply_audience(instance)


@receiver(page_published, sender=ProcessPage)
def tell_followers_of_results(sender, instance, **kwargs):
    # Whatever the path that published the page (admin, workflow, scheduled publishing, a script): the followers
    # hear of the results once, when the page goes out with them (a later publication date: the daily job).
    notify_results(instance)


@receiver(post_save, sender=Contribution)
@receiver(post_delete, sender=Contribution)
def recount_the_list_of_contributions(sender, instance, raw=False, **kwargs):
    # The list's counts are cached per process (services.contribution_list): a status, a theme or an answer changed.
    if not raw:
        forget_counts(instance.process_id)


def internal_processes():
    """Art. 7: an internal process is a dialogue with the commune's agents; so is everything under it."""
    return ProcessPage.objects.filter(audience=Audience.AGENTS)


def holds_what_citizens_brought(pages):
    """Contributions, meeting registrations and questionnaire answers outlive no page (invariant 2)."""
    return (
        Contribution.objects.filter(process__in=pages).exists()
        or EventRegistration.objects.filter(process__in=pages).exists()
        or FormSubmission.objects.filter(page__in=pages).exists()
    )


def declare_to_communes():
    register_agents_only_pages(internal_processes)
    register_kept_data(holds_what_citizens_brought)
