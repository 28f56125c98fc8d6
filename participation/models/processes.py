"""Participatory processes: a page under a commune space, with its phases, themes, audience and what citizens may do.

Its state (upcoming, open, closed) is derived from its phases, never stored.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Min, OuterRef, Subquery
from django.db.models.functions import Left, Length
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager, PageQuerySet
from wagtail.search import index

from communes.forms import CommunePageForm
from communes.models import CommuneSpacePage
from communes.models.pages import CommunePageMixin
from communes.visibility import public_pages
from core.blocks import ContentStreamBlock

from ..serializers import (
    PhaseSerializer,
    ProcessCommuneField,
    ProcessParticipationField,
    ProcessResultsDateField,
    ProcessResultsField,
    ProcessStateField,
    ThemeSerializer,
)


class Theme(models.Model):
    """A theme of public action (mobilité, espaces verts, écoles…), shared by all communes."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")

    def __str__(self):
        return self.name


# --- The process page ------------------------------------------------------------------


class ProcessState(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Terminée")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Tout public")
    # Art. 7: a dialogue "avec les agents communaux en interne".
    AGENTS = "agents", _("Interne : agents de la commune")


class ModerationMode(models.TextChoices):
    BEFORE = "before", _("Avant publication")
    AFTER = "after", _("Après publication")


class ProcessPageQuerySet(PageQuerySet):
    def with_schedule(self):
        """Annotate the first and last day of the phases: the state then needs no further query."""
        return self.annotate(first_day=Min("phases__starts_on"), last_day=Max("phases__ends_on"))

    def with_commune_name(self):
        """Annotate the name of the commune whose space is the parent page, in the same query."""
        parent_path = Left(OuterRef("path"), Length(OuterRef("path")) - Page.steplen)
        spaces = CommuneSpacePage.objects.filter(path=parent_path).values("commune__name")[:1]
        return self.annotate(commune_name=Subquery(spaces))

    def listed(self, day=None):
        """Processes a visitor may see in any listing: live, public (never internal), of an active commune."""
        return public_pages(self, day).with_schedule().with_commune_name()

    def open_on(self, day=None):
        day = day or timezone.localdate()
        return self.with_schedule().filter(first_day__lte=day, last_day__gte=day)

    def with_published_results(self, day=None):
        """Processes whose results ("Ce que nous avons fait de vos contributions") are out on `day`."""
        day = day or timezone.localdate()
        return self.filter(results_published_on__lte=day).exclude(results="")


def open_first(processes, day=None):
    """Open processes first (closing soonest first), then upcoming, then closed (latest first)."""
    order = {ProcessState.OPEN: 0, ProcessState.UPCOMING: 1, ProcessState.CLOSED: 2}

    def key(process):
        state = process.state_on(day)
        opens_on, closes_on = process.schedule
        if state == ProcessState.OPEN:
            return (order[state], closes_on.toordinal())
        if state == ProcessState.CLOSED:
            return (order[state], -closes_on.toordinal())
        return (order[state], opens_on.toordinal() if opens_on else 0)

    return sorted(processes, key=key)


class ProcessPage(CommunePageMixin, RoutablePageMixin, Page):
    """A participatory process ("démarche") of one commune: consultation, idea call, survey, meeting, workshop."""

    summary = models.TextField(
        _("résumé"), max_length=500, blank=True, help_text=_("Deux ou trois phrases, reprises dans les listes.")
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image de couverture"),
        help_text=_(
            "Son texte alternatif est la « description » de l'image : décrivez ce qu'elle apprend (un plan, un "
            "lieu) ; laissez la description vide pour une image seulement décorative."
        ),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ContentStreamBlock(), verbose_name=_("contenu"), blank=True)
    themes = ParentalManyToManyField(Theme, verbose_name=_("thèmes"), blank=True, related_name="processes")
    location = models.CharField(
        _("lieu concerné"), max_length=200, blank=True, help_text=_("Quartier, rue, équipement…")
    )
    audience = models.CharField(
        _("public"),
        max_length=10,
        choices=Audience.choices,
        default=Audience.PUBLIC,
        help_text=_("Une démarche interne n'est visible que des agents de la commune, connectés."),
    )
    # What citizens may do.
    accepts_contributions = models.BooleanField(_("recueillir des idées ou des avis"), default=True)
    moderation_mode = models.CharField(
        _("modération"), max_length=10, choices=ModerationMode.choices, default=ModerationMode.BEFORE
    )
    contribution_prompt = models.CharField(
        _("question posée"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : « Quelles idées pour végétaliser les cours d'école ? »"),
    )
    event_starts_at = models.DateTimeField(_("date et heure de la rencontre"), null=True, blank=True)
    event_place = models.CharField(_("lieu de la rencontre"), max_length=255, blank=True)
    event_accessibility = models.TextField(
        _("accessibilité du lieu"),
        blank=True,
        help_text=_("Accès en fauteuil roulant, boucle magnétique, interprétation LSF…"),
    )
    event_capacity = models.PositiveIntegerField(
        _("nombre de places"), null=True, blank=True, help_text=_("Vide : sans inscription.")
    )
    # Supports and comments on published contributions (the phases say when supports are open).
    supports_per_person = models.PositiveSmallIntegerField(
        _("soutiens par personne"),
        null=True,
        blank=True,
        help_text=_("Vide : sans limite. Sinon, le nombre de contributions qu'une même personne peut soutenir."),
    )
    accepts_comments = models.BooleanField(
        _("commentaires sur les contributions"),
        default=True,
        help_text=_("Les commentaires sont modérés comme les contributions, tant que la démarche est ouverte."),
    )
    # "Ce que nous avons fait de vos contributions": the decisions, published with the retained contributions.
    results = RichTextField(
        _("ce que nous avons fait de vos contributions"),
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text=_(
            "Les décisions prises à l'issue de la démarche. Les contributions retenues ou réalisées sont listées "
            "dessous, avec la réponse de la commune."
        ),
    )
    results_published_on = models.DateField(_("résultats publiés le"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("themes"), FieldPanel("location"), FieldPanel("audience")],
            heading=_("Thèmes, lieu et public"),
        ),
        InlinePanel("phases", heading=_("Calendrier"), label=_("étape"), min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("accepts_contributions"),
                FieldPanel("contribution_prompt"),
                FieldPanel("moderation_mode"),
                FieldPanel("accepts_comments"),
                FieldPanel("supports_per_person"),
            ],
            heading=_("Contributions en ligne"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("event_starts_at"), FieldPanel("event_capacity")]),
                FieldPanel("event_place"),
                FieldPanel("event_accessibility"),
            ],
            heading=_("Réunion publique ou atelier"),
        ),
        MultiFieldPanel(
            [FieldPanel("results"), FieldPanel("results_published_on")],
            heading=_("Résultats de la démarche"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("location"),
    ]

    # The open-data API (search.api): public facts only, never contributions, registrations or people.
    api_fields = [
        APIField("summary"),
        APIField("location"),
        APIField("state", serializer=ProcessStateField()),
        APIField("opens_on"),
        APIField("closes_on"),
        APIField("phases", serializer=PhaseSerializer(many=True, read_only=True)),
        APIField("themes", serializer=ThemeSerializer(many=True, read_only=True)),
        APIField("commune", serializer=ProcessCommuneField()),
        APIField("event_starts_at"),
        APIField("event_place"),
        APIField("event_accessibility"),
        APIField("event_capacity"),
        APIField("participation", serializer=ProcessParticipationField()),
        # What was decided, once published (null before): the text, and the day it was published.
        APIField("results", serializer=ProcessResultsField()),
        APIField("results_published_on", serializer=ProcessResultsDateField()),
    ]

    objects = PageManager.from_queryset(ProcessPageQuerySet)()

    base_form_class = CommunePageForm
    parent_page_types = ["communes.CommuneSpacePage"]
    subpage_types = ["participation.QuestionnairePage"]
    # Who may read a process follows its audience, set automatically (Art. 7): no hand-made privacy.
    private_page_options = []
    template = "pages/process_page.html"
    page_description = _("Une démarche participative de la commune : consultation, appel à idées, réunion…")

    class Meta:
        verbose_name = _("démarche participative")
        verbose_name_plural = _("démarches participatives")

    # --- Derived from the phases ---------------------------------------------------

    @cached_property
    def schedule(self):
        if hasattr(self, "first_day"):  # annotated by ProcessPageQuerySet.with_schedule()
            return self.first_day, self.last_day
        phases = list(self.phases.all())
        if not phases:
            return None, None
        return min(phase.starts_on for phase in phases), max(phase.ends_on for phase in phases)

    @property
    def opens_on(self):
        return self.schedule[0]

    @property
    def closes_on(self):
        return self.schedule[1]

    def state_on(self, day=None):
        day = day or timezone.localdate()
        opens_on, closes_on = self.schedule
        if opens_on is None or day < opens_on:
            return ProcessState.UPCOMING
        if day > closes_on:
            return ProcessState.CLOSED
        return ProcessState.OPEN

    @property
    def state(self):
        return self.state_on()

    def offered_themes(self, every=None):
        """The themes a contribution may take, and the list be filtered on: the process's own, else every theme
        (`every`, when the caller has read them already)."""
        own = sorted(self.themes.all(), key=lambda theme: theme.name)
        if own:
            return own
        return list(every) if every is not None else list(Theme.objects.all())

    @property
    def is_internal(self):
        return self.audience == Audience.AGENTS

    @property
    def has_event(self):
        return self.event_starts_at is not None

    def results_published_by(self, day=None):
        """Are the results out on `day`: a text, and a publication date that has come."""
        day = day or timezone.localdate()
        published_on = self.results_published_on
        return bool(published_on and published_on <= day and strip_tags(self.results or "").strip())

    @property
    def has_published_results(self):
        return self.results_published_by()

    def clean(self):
        super().clean()
        if self.event_capacity and not self.event_starts_at:
            raise ValidationError(
                {"event_starts_at": _("Indiquez la date de la rencontre pour ouvrir des inscriptions.")}
            )

    def get_context(self, request, *args, **kwargs):
        from ..views import process_context

        context = super().get_context(request, *args, **kwargs)
        context.update(process_context(self, request))
        return context

    # Citizens' forms are routes of the page: the convention gate and view restrictions apply to them too.
    @path("contribuer/", name="contribute")
    def contribute_route(self, request):
        from ..views import contribute

        return contribute(request, self)

    @path("contributions/<int:contribution_id>/signaler/", name="report")
    def report_route(self, request, contribution_id):
        from ..views import report

        return report(request, self, contribution_id)

    @path("contributions/<int:contribution_id>/commenter/", name="comment")
    def comment_route(self, request, contribution_id):
        from ..views.comments import comment

        return comment(request, self, contribution_id)

    @path("commentaires/<int:comment_id>/signaler/", name="report_comment")
    def report_comment_route(self, request, comment_id):
        from ..views.comments import report_comment

        return report_comment(request, self, comment_id)

    @path("contributions/<int:contribution_id>/soutenir/", name="support")
    def support_route(self, request, contribution_id):
        from ..views.supports import support

        return support(request, self, contribution_id)

    # Page paths cannot hold a dot: the format is the last segment (…/donnees/csv/, …/donnees/json/).
    @path("donnees/<str:file_format>/", name="open_data")
    def open_data_route(self, request, file_format):
        from ..views import open_data

        if file_format not in ("csv", "json"):
            raise Http404
        return open_data(request, self, file_format)

    @path("inscription/", name="register")
    def register_route(self, request):
        from ..views import register

        return register(request, self)

    @path("suivre/", name="follow")
    def follow_route(self, request):
        from ..views.follows import follow

        return follow(request, self)


class ProcessPhase(Orderable):
    """A dated step of a process; the process is open from the first start to the last end."""

    process = ParentalKey(ProcessPage, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("étape"), max_length=120)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    description = models.CharField(_("description"), max_length=255, blank=True)
    accepts_supports = models.BooleanField(
        _("soutiens ouverts pendant cette étape"),
        default=True,
        help_text=_("Les habitants peuvent soutenir les contributions publiées, une fois par personne."),
    )

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("description"),
        FieldPanel("accepts_supports"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Une étape ne peut pas finir avant de commencer.")})
