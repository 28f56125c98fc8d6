"""Keep roles and notifications in step whatever the path (admin, command, script)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import post_page_move, published

from core.pagecache import forget_facts_on_commit

from .gate import forget_active_communes
from .models import Commune, CommuneSpacePage, Convention, ConventionTextVersion, ProviderContract
from .roles import ensure_commune_groups
from .services import notify_new_text_version
from .tree import forget_tree_facts_now_and_on_commit


@receiver(post_save, sender=Convention)
@receiver(post_delete, sender=Convention)
@receiver(post_save, sender=ProviderContract)
@receiver(post_delete, sender=ProviderContract)
def the_gate_reads_the_facts_again(sender, **kwargs):
    # The state is derived from these facts, never stored: the cached answer goes with them, now for this
    # transaction, and again once it commits, for the requests that cached the old answer in the meantime.
    forget_active_communes()
    forget_facts_on_commit(forget_active_communes)


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


@receiver(post_save)
@receiver(post_delete)
def the_rule_reads_the_tree_again(sender, instance=None, raw=False, **kwargs):
    # What the rule of what a visitor may see reads of the tree (communes.tree): a page saved (published,
    # unpublished, its audience changed, a page added under it) or deleted, a view restriction set or removed; a
    # site saved or deleted (the sites are kept with the tree).
    if not raw and isinstance(instance, Page | PageViewRestriction | Site):
        forget_tree_facts_now_and_on_commit()


@receiver(post_page_move)
def a_moved_page_changes_the_tree(sender, **kwargs):
    forget_tree_facts_now_and_on_commit()


@receiver(m2m_changed, sender=PageViewRestriction.groups.through)
def a_restriction_s_groups_changed(sender, **kwargs):
    forget_tree_facts_now_and_on_commit()
