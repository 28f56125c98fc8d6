"""Participatory processes (Wagtail pages) and what citizens bring to them (plain Django models).

Contributions are never deleted with a page, a commune or a convention
(DESIGN invariant 2): their foreign keys protect them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Min, OuterRef, Subquery
from django.db.models.functions import Cast, Left, Length
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager, PageQuerySet
from wagtail.models.audit_log import BaseLogEntry, ModelLogEntryManager
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from communes.forms import CommunePageForm
from communes.models.pages import CommunePageMixin
from home.blocks import ContentStreamBlock
from search.serializers import PhaseSerializer, ProcessCommuneField, ProcessStateField, ThemeSerializer

CONTRIBUTION_MIN_LENGTH = 10
CONTRIBUTION_MAX_LENGTH = 2000
PSEUDONYM_MAX_LENGTH = 40


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
        from communes.models import CommuneSpacePage

        parent_path = Left(OuterRef("path"), Length(OuterRef("path")) - Page.steplen)
        spaces = CommuneSpacePage.objects.filter(path=parent_path).values("commune__name")[:1]
        return self.annotate(commune_name=Subquery(spaces))

    def listed(self, day=None):
        """Processes a visitor may see in any listing: live, public (never internal), of an active commune."""
        from .visibility import public_pages

        return public_pages(self, day).with_schedule().with_commune_name()

    def open_on(self, day=None):
        day = day or timezone.localdate()
        return self.with_schedule().filter(first_day__lte=day, last_day__gte=day)


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
            [FieldPanel("accepts_contributions"), FieldPanel("contribution_prompt"), FieldPanel("moderation_mode")],
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

    @property
    def is_internal(self):
        return self.audience == Audience.AGENTS

    @property
    def has_event(self):
        return self.event_starts_at is not None

    def clean(self):
        super().clean()
        if self.event_capacity and not self.event_starts_at:
            raise ValidationError(
                {"event_starts_at": _("Indiquez la date de la rencontre pour ouvrir des inscriptions.")}
            )

    def serve(self, request, *args, **kwargs):
        # Belt and braces with the view restriction: an internal process is for its commune's agents.
        if self.is_internal and not self.readable_by(request.user):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404
        return super().serve(request, *args, **kwargs)

    def readable_by(self, user):
        from communes.gate import commune_space_of
        from communes.models import CommuneRole
        from communes.permissions import commune_ids_for, is_metropole_staff

        if not self.is_internal:
            return True
        if user.is_superuser or is_metropole_staff(user):
            return True
        commune_id = commune_space_of(self).commune_id
        return any(commune_id in commune_ids_for(user, role) for role in CommuneRole)

    def get_context(self, request, *args, **kwargs):
        from .views import process_context

        context = super().get_context(request, *args, **kwargs)
        context.update(process_context(self, request))
        return context

    # Citizens' forms are routes of the page: the convention gate and view restrictions apply to them too.
    @path("contribuer/", name="contribute")
    def contribute_route(self, request):
        from .views import contribute

        return contribute(request, self)

    @path("contributions/<int:contribution_id>/signaler/", name="report")
    def report_route(self, request, contribution_id):
        from .views import report

        return report(request, self, contribution_id)

    # Page paths cannot hold a dot: the format is the last segment (…/donnees/csv/, …/donnees/json/).
    @path("donnees/<str:file_format>/", name="open_data")
    def open_data_route(self, request, file_format):
        from .views import open_data

        if file_format not in ("csv", "json"):
            raise Http404
        return open_data(request, self, file_format)

    @path("inscription/", name="register")
    def register_route(self, request):
        from .views import register

        return register(request, self)


class ProcessPhase(Orderable):
    """A dated step of a process; the process is open from the first start to the last end."""

    process = ParentalKey(ProcessPage, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("étape"), max_length=120)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    description = models.CharField(_("description"), max_length=255, blank=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("description"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Une étape ne peut pas finir avant de commencer.")})


# --- Questionnaire (on wagtail.contrib.forms) ---------------------------------------------


class QuestionnaireField(AbstractFormField):
    page = ParentalKey("QuestionnairePage", on_delete=models.CASCADE, related_name="form_fields")
    # Art. 6: a question asking who the person is (name, address, phone…) is flagged by the editor.
    is_personal = models.BooleanField(
        _("donnée personnelle"),
        default=False,
        help_text=_(
            "Nom, adresse, téléphone, courriel… : la réponse n'apparaît jamais dans l'export anonymisé et "
            "elle est effacée à la fin de la durée de conservation."
        ),
    )

    panels = [*AbstractFormField.panels, FieldPanel("is_personal")]


class QuestionnairePage(CommunePageMixin, AbstractForm):
    """A survey of a process, built with Wagtail's form builder."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    thank_you_text = RichTextField(_("message de remerciement"), blank=True, features=["bold", "italic", "link"])

    content_panels = [
        *AbstractForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("question")),
        FieldPanel("thank_you_text"),
    ]

    parent_page_types = ["participation.ProcessPage"]
    subpage_types = []
    template = "pages/questionnaire_page.html"
    landing_page_template = "pages/questionnaire_page_landing.html"

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def serve(self, request, *args, **kwargs):
        if request.method == "POST":
            from .views import refuse_questionnaire_answer

            if refusal := refuse_questionnaire_answer(request, self):
                return refusal
        return super().serve(request, *args, **kwargs)


# --- Contributions -------------------------------------------------------------------------


class KeyedByEmailMixin(models.Model):
    """A keyed hash of the email, kept in step with it: what the contributor's personal link carries."""

    contributor_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        from .personal_data import contributor_key

        self.contributor_key = contributor_key(self.email)
        super().save(*args, **kwargs)


class ContributionStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "unconfirmed", _("En attente de confirmation")
    AWAITING_MODERATION = "pending", _("À modérer")
    PUBLISHED = "published", _("Publiée")
    REJECTED = "rejected", _("Refusée")
    HIDDEN = "hidden", _("Masquée")
    WITHDRAWN = "withdrawn", _("Retirée par son auteur")


PUBLIC_STATUSES = [ContributionStatus.PUBLISHED]


class ContributionQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def published(self):
        return self.filter(status=ContributionStatus.PUBLISHED)

    def for_communes(self, commune_ids):
        return self.filter(commune_id__in=commune_ids)


class Contribution(KeyedByEmailMixin, index.Indexed, models.Model):
    """A citizen's idea or opinion on a process. Public identity: the pseudonym; the email stays private."""

    process = models.ForeignKey(
        ProcessPage, verbose_name=_("démarche"), on_delete=models.PROTECT, related_name="contributions"
    )
    # Denormalised from the page tree so that scoping a moderator's queue is one indexed filter.
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="contributions"
    )
    pseudonym = models.CharField(_("pseudonyme"), max_length=PSEUDONYM_MAX_LENGTH)
    # Blank once erased (at the author's request or past the retention period).
    email = models.EmailField(_("adresse électronique"), blank=True)
    text = models.TextField(_("contribution"), max_length=CONTRIBUTION_MAX_LENGTH, blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("thème"), null=True, blank=True, on_delete=models.SET_NULL)
    charter_version = models.ForeignKey(
        "charter.LegalTextVersion", verbose_name=_("charte acceptée"), on_delete=models.PROTECT, related_name="+"
    )
    terms_version = models.ForeignKey(
        "charter.LegalTextVersion", verbose_name=_("CGU acceptées"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("état"), max_length=12, choices=ContributionStatus.choices, default=ContributionStatus.AWAITING_CONFIRMATION
    )
    created_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    # The last moderation decision: who, when, which rule of the charter, why (invariant 6).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décision de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    rule_key = models.CharField(_("règle de la charte"), max_length=40, blank=True)
    rule_title = models.CharField(_("intitulé de la règle"), max_length=120, blank=True)
    decision_reason = models.TextField(_("explication donnée à l'auteur"), blank=True)
    anonymised_at = models.DateTimeField(_("données personnelles effacées le"), null=True, blank=True)

    objects = ContributionQuerySet.as_manager()

    # The site search finds published contributions by their text only: never who wrote them.
    search_fields = [
        index.SearchField("text"),
        index.FilterField("process"),
        index.FilterField("commune"),
        index.FilterField("status"),
        index.FilterField("published_at"),
    ]

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["process", "status", "-published_at"])]
        permissions = [
            ("moderate_contribution", "Peut modérer les contributions de ses communes"),
            ("export_personal_data", "Peut exporter les contributions avec les données personnelles"),
        ]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self):
        # No personal data here: this string is copied into the audit log.
        return _("Contribution n° %(pk)s sur « %(process)s »") % {"pk": self.pk, "process": self.process.title}

    @classmethod
    def get_indexed_objects(cls):
        # Only what anyone may read enters the index; `signals` takes out what stops being public.
        return cls.objects.filter(status__in=PUBLIC_STATUSES)

    @property
    def is_public(self):
        return self.status in PUBLIC_STATUSES

    @property
    def excerpt(self):
        return self.text if len(self.text) <= 140 else self.text[:139] + "…"


class Report(models.Model):
    """A visitor's report of a published contribution, citing a rule of the charter."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    rule_key = models.CharField(_("règle invoquée"), max_length=40)
    # A salted hash of the client, to count distinct reporters without storing who they are.
    reporter_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contribution", "reporter_hash"], name="one_report_per_client")]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")

    def __str__(self):
        return _("Signalement n° %(pk)s") % {"pk": self.pk}


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Refus confirmé")
    OVERTURNED = "overturned", _("Contribution publiée")


class Appeal(models.Model):
    """The author contests a rejection, once; someone other than the first moderator decides."""

    contribution = models.OneToOneField(Contribution, on_delete=models.CASCADE, related_name="appeal")
    explanation = models.TextField(_("explication de l'auteur"), max_length=1000)
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    original_moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("décision"), max_length=12, choices=AppealOutcome.choices, blank=True)
    response = models.TextField(_("réponse à l'auteur"), blank=True)

    class Meta:
        verbose_name = _("contestation")
        verbose_name_plural = _("contestations")

    def __str__(self):
        return _("Contestation de la contribution n° %(pk)s") % {"pk": self.contribution_id}

    @property
    def is_decided(self):
        return bool(self.outcome)


class EventRegistration(KeyedByEmailMixin, models.Model):
    """A registration for a process's public meeting or workshop, within its capacity."""

    process = models.ForeignKey(ProcessPage, on_delete=models.PROTECT, related_name="registrations")
    name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse électronique"))
    needs = models.CharField(_("besoins d'accessibilité"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "email"], name="one_registration_per_email")]
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")

    def __str__(self):
        return _("Inscription n° %(pk)s") % {"pk": self.pk}


class ContributionLogEntryManager(ModelLogEntryManager):
    def viewable_by_user(self, user):
        """The audit log of contributions, scoped like the moderation queue (invariant 5)."""
        from .permissions import moderated_commune_ids

        if user.is_superuser:
            return self.all()
        visible = Contribution.objects.filter(commune_id__in=moderated_commune_ids(user)).annotate(
            key=Cast("pk", output_field=models.CharField())
        )
        return self.filter(object_id__in=visible.values("key"))


class ContributionLogEntry(BaseLogEntry):
    """Moderation decisions in Wagtail's audit log, readable only by those who moderate that commune."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = ContributionLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("journal des contributions")
        verbose_name_plural = _("journal des contributions")
