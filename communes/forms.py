from django.db.models import Q
from wagtail.admin.forms import WagtailAdminPageForm


class CommuneSpacePageForm(WagtailAdminPageForm):
    """Offers only the communes that have no space yet (or this page's own)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "commune" in self.fields:
            without_space = Q(space__isnull=True)
            if self.instance.pk:
                without_space |= Q(space__pk=self.instance.pk)
            self.fields["commune"].queryset = self.fields["commune"].queryset.filter(without_space)
