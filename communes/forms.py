from wagtail.admin.forms import WagtailAdminPageForm


class CommuneSpacePageForm(WagtailAdminPageForm):
    """Offers only the communes that have no space yet; once created, a space keeps its commune."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "commune" in self.fields:
            commune_field = self.fields["commune"]
            if self.instance.pk:
                commune_field.queryset = commune_field.queryset.filter(space__pk=self.instance.pk)
                commune_field.disabled = True
            else:
                commune_field.queryset = commune_field.queryset.filter(space__isnull=True)
