from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.search.index import remove_object
from wagtail.signals import page_published

from .models import Contribution, ProcessPage
from .services import apply_audience


@receiver(page_published, sender=ProcessPage)
def restrict_internal_processes(sender, instance, **kwargs):
    # Art. 7: set automatically, whatever the path that published the page.
    apply_audience(instance)


@receiver(post_save, sender=Contribution)
def keep_only_public_contributions_in_search(sender, instance, raw=False, **kwargs):
    # Wagtail indexes what becomes public but never removes what stops being so (hidden, withdrawn, erased).
    if not raw and not instance.is_public:
        remove_object(instance)
