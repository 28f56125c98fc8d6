"""What participation declares to the communes app, and keeps in step whatever the path (admin, command, script)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.forms.models import FormSubmission
from wagtail.search.index import remove_object
from wagtail.signals import page_published

from communes.policies import register_kept_data
from communes.visibility import register_agents_only_pages

from .models import Audience, Comment, Contribution, EventRegistration, ProcessPage, Theme
from .services.contribution_list import forget_counts
from .services.follows import notify_results
from .services.open_data import open_data_changed
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
def keep_only_public_contributions_in_search(sender, instance, raw=False, **kwargs):
    # Wagtail indexes what becomes public but never removes what stops being so (hidden, withdrawn, erased).
    if not raw and not instance.is_public:
        remove_object(instance)


@receiver(post_save, sender=Contribution)
@receiver(post_delete, sender=Contribution)
def recount_the_list_of_contributions(sender, instance, raw=False, **kwargs):
    # The list's counts are cached per process (services.contribution_list): a status, a theme or an answer changed.
    if not raw:
        forget_counts(instance.process_id)


@receiver(post_save, sender=Contribution)
@receiver(post_delete, sender=Contribution)
def write_the_open_data_again(sender, instance, raw=False, **kwargs):
    # Its status, text, author (masked by their names), answer or counts: the process's open data file is forgotten.
    if not raw:
        open_data_changed([instance.process_id])


@receiver(post_save, sender=Comment)
@receiver(post_delete, sender=Comment)
def write_the_open_data_again_for_comments(sender, instance, raw=False, **kwargs):
    # The count of published comments of its contribution (gone with it, if it was deleted: its own signal tells).
    if not raw:
        open_data_changed(Contribution.objects.filter(pk=instance.contribution_id).values_list("process_id", flat=True))


@receiver(post_save, sender=Theme)
@receiver(post_delete, sender=Theme)
def write_every_open_data_again(sender, instance, raw=False, **kwargs):
    # A theme's name is in the files of every process that uses it.
    if not raw:
        open_data_changed()


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
