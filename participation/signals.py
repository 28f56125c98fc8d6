"""What participation declares to the communes app, and keeps in step whatever the path (admin, command, script)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.forms.models import FormSubmission
from wagtail.signals import page_published

from communes.caching import forget_commune_page, forget_everything, forget_page_id
from communes.policies import register_kept_data
from communes.visibility import register_agents_only_pages

from .models import (
    Audience,
    Comment,
    Contribution,
    ContributionStatus,
    EventRegistration,
    ProcessPage,
    Theme,
    contributions_updated_in_bulk,
)
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
@receiver(post_delete, sender=Contribution)
def recount_the_list_of_contributions(sender, instance, raw=False, **kwargs):
    # The list's counts are cached per process (services.contribution_list): a status, a theme or an answer changed.
    # They count published contributions only: one never published (a new one, unconfirmed or awaiting moderation,
    # or refused) changes none, so a surge of submissions leaves the cached counts in place.
    if not raw and counts_in_the_list(instance):
        forget_counts(instance.process_id)


@receiver(post_save, sender=Contribution)
@receiver(post_delete, sender=Contribution)
@receiver(post_save, sender=Comment)
@receiver(post_delete, sender=Comment)
def forget_the_pages_showing_it(sender, instance, raw=False, created=False, **kwargs):
    # A moderation decision, a withdrawal, an erasure, an answer (core.pagecache): the process page, its commune's
    # space and the listings (search) no longer show it as cached. Sending one (not yet confirmed, never public), or
    # deleting it unconfirmed (the purge), changes nothing a visitor sees: a surge of contributions does not empty
    # the cache. Supports and comment counts are counters, written with `update()`: they show within
    # PAGE_CACHE_SECONDS.
    if raw or instance.status == ContributionStatus.AWAITING_CONFIRMATION:
        return
    if isinstance(instance, Comment):
        contributions = Contribution.objects.filter(pk=instance.contribution_id)
        process_id = contributions.values_list("process_id", flat=True).first  # read only if needed
    else:
        process_id = instance.process_id
    forget_commune_page(instance.commune_id, process_id)


@receiver(post_save, sender=Theme)
@receiver(post_delete, sender=Theme)
def forget_pages_naming_themes(sender, raw=False, **kwargs):
    if not raw:
        forget_everything()


@receiver(contributions_updated_in_bulk, sender=Contribution)
def recount_after_an_update_in_bulk(sender, process_ids, **kwargs):
    for process_id in process_ids:
        forget_counts(process_id)
        forget_page_id(process_id)
    open_data_changed(process_ids)


def counts_in_the_list(contribution):
    """Is, or was, `contribution` among the published ones the list counts? `published_at` stays once set."""
    return contribution.is_public or contribution.published_at is not None


@receiver(post_save, sender=Contribution)
@receiver(post_delete, sender=Contribution)
def write_the_open_data_again(sender, instance, raw=False, **kwargs):
    # Its status, text, author (masked by their names), answer or counts: the process's open data file is forgotten.
    # One not yet confirmed is in no file (a citizen's POST, the purge of expired ones).
    if not raw and instance.status != ContributionStatus.AWAITING_CONFIRMATION:
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
