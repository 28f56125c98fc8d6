"""The open-data API at /api/v2/: Wagtail's read-only pages API behind the same gate as the site.

Only the pages endpoint is registered: images and documents are served to whoever may see a page that uses them
(`communes.serving`), which a listing of every file could not say.
Every page query of the endpoint (listing, detail, find, child_of, descendant_of, search, the parent field)
starts from `get_base_queryset`, which goes through `communes.visibility.public_pages`.

Parameters are checked before any query runs: a value that is not a number, a date or a search operator where one
is expected answers 400 with a French message (`check_parameters`, `CheckedFieldsFilter`), never a 500. Wagtail's
own refusals (unknown field, type or ordering) keep their message.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from taggit.managers import TaggableManager
from wagtail.api.v2.filters import FieldsFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet

from communes.gate import communes_of_paths
from communes.models import CommuneSpacePage
from communes.visibility import public_pages
from core.input import whole_number
from participation.models import ProcessPage
from participation.services.figures import participation_figures

logger = logging.getLogger(__name__)

# Parameters that name a page by id or count pages: whole numbers a database can hold ("root" names the site's root).
NUMBER_PARAMETERS = ("offset", "limit", "child_of", "ancestor_of", "descendant_of", "translation_of", "id")
SEARCH_OPERATORS = ("and", "or")


def check_parameters(parameters):
    """Refuse, in French, the parameters of any request to the endpoint that no query could take."""
    for name in NUMBER_PARAMETERS:
        value = parameters.get(name)
        if value is None or (value == "root" and name in ("child_of", "descendant_of", "translation_of")):
            continue
        try:
            whole_number(value)
        except ValueError:
            raise BadRequestError(
                _("Le paramètre « %(name)s » doit être un nombre entier positif.") % {"name": name}
            ) from None
    operator = parameters.get("search_operator")
    if operator is not None and operator.lower() not in SEARCH_OPERATORS:
        raise BadRequestError(_("Le paramètre « search_operator » vaut « and » ou « or »."))


class CheckedFieldsFilter(FieldsFilter):
    """Wagtail's filters on fields (`?event_starts_at=…`), each value read by its field first.

    Wagtail converts booleans, integers and foreign keys itself and hands any other value to the database as it
    came: a date that is not one failed there. Here every value must be one its field can hold.
    """

    def filter_queryset(self, request, queryset, view):
        filterable = set(view.get_available_fields(queryset.model, db_fields_only=True))
        for name, value in request.GET.items():
            if name in filterable and name != "locale":  # the locale has its own filter
                check_field_value(queryset.model, name, value)
        return super().filter_queryset(request, queryset, view)


def check_field_value(model, name, value):
    field = model._meta.get_field(name)
    if isinstance(field, (models.BooleanField, TaggableManager)):
        return  # read by Wagtail: "true"/"false", tag names
    if field.is_relation:  # a page, phases, themes: named by their id
        field = field.related_model._meta.pk
    try:
        python_value = field.to_python(value)
        # What the database is then given must fit it too: 9999-12-31T23:59:59-14:00 is past the year 9999 in UTC.
        field.get_db_prep_value(python_value, connection)
    except (ValidationError, OverflowError, ValueError) as error:
        reason = " ".join(error.messages) if isinstance(error, ValidationError) else _("valeur hors limites")
        raise BadRequestError(
            _("« %(value)s » n'est pas une valeur possible pour « %(name)s » : %(reason)s")
            % {"value": value[:100], "name": name, "reason": reason}
        ) from None


def attach_listing_relations(pages):
    """Load in a few queries what the listing shows of each process and commune space (no query per page)."""
    prefetch_related_objects(pages, "locale")
    processes = [page for page in pages if isinstance(page, ProcessPage)]
    if processes:
        prefetch_related_objects(processes, "phases", "themes")
        communes = communes_of_paths([process.path for process in processes])
        figures = participation_figures(process.pk for process in processes)
        for process in processes:
            process.api_commune = communes[process.path]
            process.api_participation = figures[process.pk]
    spaces = [page for page in pages if isinstance(page, CommuneSpacePage)]
    if spaces:
        prefetch_related_objects(spaces, "commune")
    return pages


class PublicPagesAPIViewSet(PagesAPIViewSet):
    # Public, read-only data: no login (nor password guessing) through the API.
    authentication_classes = ()
    filter_backends = [
        CheckedFieldsFilter if backend is FieldsFilter else backend for backend in PagesAPIViewSet.filter_backends
    ]

    # Fields shown only from a date on (a process's results): never a filter or an order, which would read the
    # stored value before its day and let anyone probe it (`?results_published_on=…`).
    SHOWN_FROM_A_DATE = {"results", "results_published_on"}

    @classmethod
    def get_available_fields(cls, model, db_fields_only=False):
        fields = super().get_available_fields(model, db_fields_only=db_fields_only)
        if db_fields_only:
            return [name for name in fields if name not in cls.SHOWN_FROM_A_DATE]
        return fields

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_parameters(request.GET)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, BadRequestError):
            # A refused parameter is the client's mistake: noted, not reported as Django's WARNING.
            logger.info("Refused %s: %s", self.request.get_full_path()[:200], exc)
            response._has_been_logged = True
        return response

    def get_base_queryset(self):
        # Asked several times per request (queryset, filters, serializer context): worked out once.
        if not hasattr(self, "_public_pages"):
            self._public_pages = public_pages(super().get_base_queryset())
        return self._public_pages.all()

    def paginate_queryset(self, queryset):
        return attach_listing_relations(list(super().paginate_queryset(queryset)))


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PublicPagesAPIViewSet)
