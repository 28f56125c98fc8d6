from django.dispatch import receiver
from wagtail.signals import page_published

from .models import ProcessPage
from .services import apply_audience


@receiver(page_published, sender=ProcessPage)
def restrict_internal_processes(sender, instance, **kwargs):
    # Art. 7: set automatically, whatever the path that published the page.
    apply_audience(instance)
