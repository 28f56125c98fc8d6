"""Keep roles and notifications in step whatever the path (admin, command, script)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import published

from .gate import forget_active_communes
from .models import Commune, CommuneSpacePage, Convention, ConventionTextVersion, ProviderContract
from .roles import ensure_commune_groups
from .services import notify_new_text_version


@receiver(post_save, sender=Convention)
@receiver(post_delete, sender=Convention)
@receiver(post_save, sender=ProviderContract)
@receiver(post_delete, sender=ProviderContract)
def the_gate_reads_the_facts_again(sender, **kwargs):
    # The state is derived from these facts, never stored: the cached answer goes with them, now for this
    # transaction, and again once it commits, for the requests that cached the old answer in the meantime.
    forget_active_communes()
    transaction.on_commit(forget_active_communes)


@receiver(post_save, sender=Commune)
def create_commune_groups(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        ensure_commune_groups(instance)


@receiver(post_save, sender=CommuneSpacePage)
def grant_editors_their_space(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        ensure_commune_groups(instance.commune)


@receiver(published, sender=ConventionTextVersion)
def notify_signatories(sender, instance, **kwargs):
    # Art. 10: every change of the règlement is notified to the signatories.
    notify_new_text_version(instance)
