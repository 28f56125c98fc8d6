"""The world of the permission matrix: three communes, and secrets planted in two of them.

- Essey-lès-Nancy (active): the roles that try their luck (editor, moderator, agent).
- Laxou (active): the victim. Everything that is not public carries a marker `zqlx…` (a draft, an internal process
  and its questionnaire, unpublished changes, answers, contributions awaiting moderation, registrations, files,
  a collection, people's names and addresses, the convention's facts).
- Maxéville (convention ended): its pages went offline; its editor and moderator keep read access to their own
  history (markers `zqmx…`) and nothing else.

A role may reveal no marker but those it is entitled to, and may change no row of Laxou or Maxéville.
"""

import datetime
import re
import struct
import zlib
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page
from wagtail.users.models import UserProfile

from charter.models import LegalTextKind, LegalTextVersion
from communes.models import Commune, CommuneContact, CommuneGroup, CommuneRole, ConventionTextNotification, JoinRequest
from communes.roles import ensure_staff_group
from communes.services import ensure_commune_space, record_termination, register_commune
from home.services import ensure_metropole_identity, ensure_portal
from participation.models import (
    Appeal,
    Audience,
    Comment,
    Contribution,
    ContributionStatus,
    EventRegistration,
    ProcessPhase,
    QuestionnaireField,
    QuestionnairePage,
    Theme,
)
from participation.services.moderation import reject
from participation.services.personal_data import log_export
from participation.services.processes import ensure_process
from tests.conftest import body
from tests.factories import CommuneFactsFactory, ConventionFactory, ProviderContractFactory

TODAY = datetime.date.today()
MARKER_PATTERN = r"zq(?:lx|mx)[a-z0-9]+"
# Markers of personal data (contributors' and registrants' addresses): for Métropole staff alone.
PERSONAL_MARKER = re.compile(r"zq(?:lx|mx)[a-z0-9]*mail$")
# A word every secret object holds and no marker matches: searches look for it, so that a result that shows an
# object's marker was found by the search, not echoed from the query.
SEARCH_WORD = "quetzal"


def png_with_text(text):
    """A 1×1 PNG whose metadata holds `text`: a file that tells, byte for byte, whose it is."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00")
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"tEXt", b"Comment\x00" + text.encode()),
            chunk(b"IDAT", pixels),
            chunk(b"IEND", b""),
        ]
    )


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role name → user (None: anonymous)
    # Objects of Laxou and Maxéville the URLs are filled with, by kind.
    objects: dict = field(default_factory=dict)
    # Where anyone may take part in a public, open process of Laxou: {URL prefix: what it may add}.
    public_participation: dict = field(default_factory=dict)
    # URLs of files that only their commune's people (and staff) may download.
    secret_files: dict = field(default_factory=dict)  # url → commune marker prefix ("zqlx" or "zqmx")
    snapshot_sql: str = ""
    snapshot_tables: list = field(default_factory=list)

    def snapshot(self):
        with connection.cursor() as cursor:
            cursor.execute(self.snapshot_sql)
            return dict(cursor.fetchall())

    def writes(self):
        """Rows written so far in this transaction to the tables the snapshot reads: cheaper than a snapshot."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
                "WHERE relname = ANY(%s)",
                [self.snapshot_tables],
            )
            return cursor.fetchone()[0]


def _phases(starts=-7, ends=30):
    return [
        ProcessPhase(
            title="Contributions",
            starts_on=TODAY + datetime.timedelta(days=starts),
            ends_on=TODAY + datetime.timedelta(days=ends),
        )
    ]


def _process(space, title, *, publish=True, **fields):
    process, _created = ensure_process(
        space, title=title, summary="Une démarche.", phases=_phases(), publish=publish, **fields
    )
    return process


def _questionnaire(process, title, answer):
    page = QuestionnairePage(title=title, live=False)
    process.add_child(instance=page)
    QuestionnaireField.objects.create(page=page, sort_order=0, label="Votre avis", field_type="singleline")
    page.save_revision().publish()
    FormSubmission.objects.create(page=page, form_data={"votre_avis": answer})
    return page


def _contribution(process, text, *, status, email, pseudonym="Camille"):
    charter = LegalTextVersion.objects.get(kind=LegalTextKind.CHARTER)
    terms = LegalTextVersion.objects.get(kind=LegalTextKind.TERMS)
    now = timezone.now()
    return Contribution.objects.create(
        process=process,
        commune_id=process.get_parent().specific.commune_id,
        pseudonym=pseudonym,
        email=email,
        text=text,
        charter_version=charter,
        terms_version=terms,
        status=status,
        confirmed_at=now,
        published_at=now if status == ContributionStatus.PUBLISHED else None,
    )


def _comment(contribution, text, *, status, email, pseudonym="Dominique"):
    now = timezone.now()
    return Comment.objects.create(
        contribution=contribution,
        commune_id=contribution.commune_id,
        pseudonym=pseudonym,
        email=email,
        text=text,
        charter_version=contribution.charter_version,
        terms_version=contribution.terms_version,
        status=status,
        confirmed_at=now,
        published_at=now if status == ContributionStatus.PUBLISHED else None,
    )


def _files(collection, prefix):
    image = get_image_model().objects.create(
        title=f"Photo {prefix}image {SEARCH_WORD}",
        file=ContentFile(png_with_text(f"{prefix}imagecontent"), name=f"photo-{prefix}image.png"),
        collection=collection,
    )
    document = get_document_model().objects.create(
        title=f"Note {prefix}doc {SEARCH_WORD}",
        file=ContentFile(f"%PDF-1.4 {prefix}doccontent".encode(), name=f"note-{prefix}doc.pdf"),
        collection=collection,
    )
    image.tags.add(f"{SEARCH_WORD}-{prefix}tag")  # tags are typed by the commune's editors
    rendition = image.get_rendition("fill-40x40")
    return image, document, rendition


def _with_files(process, image, document):
    process.cover_image = image
    process.body = [("document", {"document": document, "title": "La note"})]
    process.save_revision().publish()
    process.refresh_from_db()
    return process


def _user(username, *groups):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.org", "a-long-test-password", first_name=SEARCH_WORD.capitalize()
    )
    user.groups.add(*groups)
    UserProfile.get_for_user(user)  # the admin creates it on a first visit: once here, not on every request
    return user


def _group(space, role):
    return CommuneGroup.objects.get(commune=space.commune, role=role).group


def build_world():
    world = World()
    portal, _created = ensure_portal(title="Je participe")
    ensure_metropole_identity(portal.get_site(), name="Métropole de Test", mission_email="participation@example.org")
    staff_group = ensure_staff_group(portal)
    ProviderContractFactory()
    for kind in (LegalTextKind.CHARTER, LegalTextKind.TERMS):
        version = LegalTextVersion(
            kind=kind, effective_on=datetime.date(2022, 3, 1), body=body("Texte.", rules=[("respect", "Respect")])
        )
        version.save()
        version.save_revision().publish()

    def space(name, slug, insee_code, **convention):
        commune, _created = register_commune(CommuneFactsFactory(name=name, slug=slug, insee_code=insee_code))
        ConventionFactory(commune=commune, **convention)
        return ensure_commune_space(commune, portal)[0]

    essey = space("Essey-lès-Nancy", "essey-les-nancy", "54184")
    laxou = space("Laxou", "laxou", "54304", signatory_name="Maire zqlxsignatory")
    maxeville = space("Maxéville", "maxeville", "54357")
    essey_process = _process(essey, "Plan vélo d'Essey")
    Theme.objects.create(name="Mobilité", slug="mobilite")

    # --- Laxou, the victim ---------------------------------------------------------------------------
    CommuneContact.objects.create(commune=laxou.commune, name="zqlxcontact", email="zqlxcontact@example.org")
    JoinRequest.objects.create(
        commune=laxou.commune, received_on=datetime.date(2022, 1, 5), contact_name="zqlxrequester"
    )
    ConventionTextNotification.objects.create(
        version=laxou.commune.conventions.get().text_version,
        commune=laxou.commune,
        recipients="zqlxcontact@example.org",
    )
    Collection.objects.get(pk=laxou.commune.collection_id).add_child(name=f"Dossier zqlxcollection {SEARCH_WORD}")
    laxou_image, laxou_document, laxou_rendition = _files(laxou.commune.collection, "zqlx")

    public = _process(
        laxou,
        "Parc des Récollets",
        event_starts_at=timezone.now() + datetime.timedelta(days=10),
        event_place="Salle des fêtes",
        event_capacity=30,
    )
    public_quiz = _questionnaire(public, "Questionnaire du parc", "zqlxanswer")
    published_idea = _contribution(
        public, "Des bancs à l'ombre.", status=ContributionStatus.PUBLISHED, email="zqlxpubmail@example.org"
    )
    pending = _contribution(
        public,
        f"Texte en attente zqlxpending {SEARCH_WORD}",
        status=ContributionStatus.AWAITING_MODERATION,
        email="zqlxpendingmail@example.org",
        pseudonym="zqlxpseudo",
    )
    rejected = _contribution(
        public, "Texte refusé zqlxrejected", status=ContributionStatus.REJECTED, email="zqlxrejmail@example.org"
    )
    Appeal.objects.create(contribution=rejected, explanation="Je conteste zqlxappeal")
    # Comments on the published contribution: one published (its text is public, its author's address is not),
    # one awaiting moderation, one rejected and contested.
    _comment(published_idea, "Un commentaire public.", status=ContributionStatus.PUBLISHED, email="zqlxcpubmail@x.org")
    pending_comment = _comment(
        published_idea,
        f"Commentaire en attente zqlxcommentpending {SEARCH_WORD}",
        status=ContributionStatus.AWAITING_MODERATION,
        email="zqlxcommentmail@example.org",
        pseudonym="zqlxcommentpseudo",
    )
    rejected_comment = _comment(
        published_idea,
        "Commentaire refusé zqlxcommentrejected",
        status=ContributionStatus.REJECTED,
        email="zqlxcrmail@x.org",
    )
    Appeal.objects.create(comment=rejected_comment, explanation="Je conteste zqlxcommentappeal")
    registration = EventRegistration.objects.create(
        process=public,
        name="zqlxregname",
        email="zqlxregmail@example.org",
        needs="zqlxneeds",
        confirmed_at=timezone.now(),
    )
    public.title = "Titre pas encore publié zqlxrevision"
    public.save_revision()

    draft = _process(laxou, f"Projet zqlxdraft {SEARCH_WORD}", publish=False)
    internal = _with_files(
        _process(laxou, "Dialogue zqlxinternal", audience=Audience.AGENTS), laxou_image, laxou_document
    )
    internal_quiz = _questionnaire(internal, "Sondage zqlxinternalquiz", "zqlxinternalanswer")
    internal_contribution = _contribution(
        internal, "Idée interne zqlxinternalidea", status=ContributionStatus.PUBLISHED, email="zqlxagentmail@x.org"
    )
    internal_comment = _comment(
        internal_contribution,
        "Commentaire interne zqlxinternalcomment",
        status=ContributionStatus.PUBLISHED,
        email="zqlxicmail@x.org",
    )
    Redirect.objects.create(old_path="/zqlxredirect", redirect_page=draft)
    laxou_users = [
        _user("zqlxeditor", _group(laxou, CommuneRole.EDITORS)),
        _user("zqlxmoderator", _group(laxou, CommuneRole.MODERATORS)),
    ]
    # The audit log: a decision on a contribution to the internal process, an export of personal data, with why.
    decided = _contribution(
        internal, "Idée refusée zqlxdecided", status=ContributionStatus.AWAITING_MODERATION, email="zqlxdmail@x.org"
    )
    reject(decided, laxou_users[1], rule_key="respect", reason="Motif zqlxreason")
    log_export(internal, laxou_users[0], file_format="csv", with_personal_data=True, reason="Pour zqlxexportreason")

    # --- Maxéville, whose convention ended ------------------------------------------------------------
    maxeville_image, maxeville_document, maxeville_rendition = _files(maxeville.commune.collection, "zqmx")
    maxeville_process = _with_files(_process(maxeville, "Démarche zqmxprocess"), maxeville_image, maxeville_document)
    maxeville_pending = _contribution(
        maxeville_process,
        "Texte en attente zqmxpending",
        status=ContributionStatus.AWAITING_MODERATION,
        email="zqmxmail@example.org",
    )
    maxeville_published = _contribution(
        maxeville_process, "Une idée publiée.", status=ContributionStatus.PUBLISHED, email="zqmxpubmail@x.org"
    )
    maxeville_comment = _comment(
        maxeville_published,
        "Commentaire en attente zqmxcomment",
        status=ContributionStatus.AWAITING_MODERATION,
        email="zqmxcommentmail@example.org",
    )
    record_termination(
        maxeville.commune.conventions.get(),
        letter_on=TODAY - datetime.timedelta(days=60),
        effective_on=TODAY - datetime.timedelta(days=1),
    )

    # --- Who tries -----------------------------------------------------------------------------------
    world.users = {
        "anonymous": None,
        "editor of another commune": _user("essey-editor", _group(essey, CommuneRole.EDITORS)),
        "moderator of another commune": _user("essey-moderator", _group(essey, CommuneRole.MODERATORS)),
        "agent of another commune": _user("essey-agent", _group(essey, CommuneRole.AGENTS)),
        "editor of an ended commune": _user("maxeville-editor", _group(maxeville, CommuneRole.EDITORS)),
        "moderator of an ended commune": _user("maxeville-moderator", _group(maxeville, CommuneRole.MODERATORS)),
        "Métropole staff": _user("metropole-staff", staff_group),
    }

    victims = [laxou, maxeville]
    world.objects = {
        # A draft, an internal process, a live process with unpublished changes, an ended commune's, a space.
        "page": [draft, internal, public, maxeville_process, laxou],
        "questionnaire": [public_quiz, internal_quiz],
        # Awaiting moderation, contested, on an internal process, decided (with its log), of an ended commune.
        "contribution": [pending, rejected, internal_contribution, decided, maxeville_pending],
        "registration": [registration],
        # Awaiting moderation, contested, on an internal process, of an ended commune.
        "comment": [pending_comment, rejected_comment, internal_comment, maxeville_comment],
        "image": [laxou_image, maxeville_image],
        "document": [laxou_document, maxeville_document],
        "collection": list(Collection.objects.filter(name__contains="zqlx"))
        + [
            Collection.objects.get(pk=laxou.commune.collection_id),
            Collection.objects.get(pk=maxeville.commune.collection_id),
        ],
        "commune": [space.commune for space in victims],
        "user": laxou_users,
        "group": list(Group.objects.filter(commune_role__commune__in=[space.commune for space in victims])),
        "space": victims,
        # The attacker's own space and process, to move or copy into the victims' spaces.
        "own": [essey, essey_process],
    }
    for image, rendition, marker in (
        (laxou_image, laxou_rendition, "zqlx"),
        (maxeville_image, maxeville_rendition, "zqmx"),
    ):
        world.secret_files[image.file.url] = marker
        world.secret_files[rendition.url] = marker
    for document, marker in ((laxou_document, "zqlx"), (maxeville_document, "zqmx")):
        world.secret_files[document.url] = marker
        world.secret_files[document.file.url] = marker
    world.public_participation = {
        public.url + "contribuer/": {"contributions"},
        public.url + "inscription/": {"registrations"},
        public.url + "contributions/": {"reports", "contribution comments"},
        public.url + "commentaires/": {"comment reports"},
        public_quiz.url: {"answers"},
    }
    world.snapshot_sql = snapshot_sql(victims, laxou_users)
    world.snapshot_tables = sorted(set(re.findall(r"FROM (\w+)", world.snapshot_sql)))
    return world


def snapshot_sql(spaces, users):
    """One query that digests every row of the victims' objects: any change shows as a different digest.

    Ids are read once here; the pages are found by path as well, so that a page added under a victim's
    space counts as a change.
    """
    under_spaces = " OR ".join(f"t.path LIKE '{space.path}%'" for space in spaces)

    def ids(queryset):
        return ", ".join(str(pk) for pk in queryset.values_list("pk", flat=True)) or "0"

    pages = ids(Page.objects.filter(reduce(or_, (Q(path__startswith=space.path) for space in spaces))))
    communes = ids(Commune.objects.filter(pk__in=[space.commune_id for space in spaces]))
    collections = ids(
        Collection.objects.filter(reduce(or_, (Q(path__startswith=space.commune.collection.path) for space in spaces)))
    )
    groups = ids(Group.objects.filter(commune_role__commune_id__in=[space.commune_id for space in spaces]))
    contributions = ids(Contribution.objects.filter(commune_id__in=[space.commune_id for space in spaces]))
    comments = ids(Comment.objects.filter(commune_id__in=[space.commune_id for space in spaces]))
    users = ids(get_user_model().objects.filter(pk__in=[user.pk for user in users]))
    page_type = ContentType.objects.get_for_model(Page).pk
    page_keys = ", ".join(f"'{pk}'" for pk in pages.split(", "))
    tables = {
        "pages": f"wagtailcore_page t WHERE {under_spaces}",
        "spaces": f"communes_communespacepage t WHERE t.page_ptr_id IN ({pages})",
        "processes": f"participation_processpage t WHERE t.page_ptr_id IN ({pages})",
        "phases": f"participation_processphase t WHERE t.process_id IN ({pages})",
        "questionnaires": f"participation_questionnairepage t WHERE t.page_ptr_id IN ({pages})",
        "questions": f"participation_questionnairefield t WHERE t.page_id IN ({pages})",
        "answers": f"wagtailforms_formsubmission t WHERE t.page_id IN ({pages})",
        # Revisions never change once written: their ids say if one was added or removed.
        "revisions": f"(SELECT id FROM wagtailcore_revision WHERE base_content_type_id = {page_type} "
        f"AND object_id IN ({page_keys})) t",
        "view restrictions": f"wagtailcore_pageviewrestriction t WHERE t.page_id IN ({pages})",
        "page permissions": f"wagtailcore_grouppagepermission t WHERE t.page_id IN ({pages}) "
        f"OR t.group_id IN ({groups})",
        "workflows": f"wagtailcore_workflowpage t WHERE t.page_id IN ({pages})",
        "comments": f"wagtailcore_comment t WHERE t.page_id IN ({pages})",
        "redirects": f"wagtailredirects_redirect t WHERE t.redirect_page_id IN ({pages})",
        "collections": f"wagtailcore_collection t WHERE t.id IN ({collections})",
        "collection permissions": f"wagtailcore_groupcollectionpermission t WHERE t.collection_id IN ({collections}) "
        f"OR t.group_id IN ({groups})",
        "collection restrictions": f"wagtailcore_collectionviewrestriction t WHERE t.collection_id IN ({collections})",
        # What and whose a file is; Wagtail fills in sizes and hashes lazily, on a first read.
        "images": f"(SELECT id, title, file, collection_id, focal_point_x FROM wagtailimages_image "
        f"WHERE collection_id IN ({collections})) t",
        "documents": f"(SELECT id, title, file, collection_id FROM wagtaildocs_document "
        f"WHERE collection_id IN ({collections})) t",
        "contributions": f"participation_contribution t WHERE t.commune_id IN ({communes})",
        "reports": f"participation_report t WHERE t.contribution_id IN ({contributions})",
        "appeals": f"participation_appeal t WHERE t.contribution_id IN ({contributions})",
        "contribution comments": f"participation_comment t WHERE t.commune_id IN ({communes})",
        "comment reports": f"participation_report t WHERE t.comment_id IN ({comments})",
        "comment appeals": f"participation_appeal t WHERE t.comment_id IN ({comments})",
        "registrations": f"participation_eventregistration t WHERE t.process_id IN ({pages})",
        "communes": f"communes_commune t WHERE t.id IN ({communes})",
        "contacts": f"communes_communecontact t WHERE t.commune_id IN ({communes})",
        "conventions": f"communes_convention t WHERE t.commune_id IN ({communes})",
        "requests": f"communes_joinrequest t WHERE t.commune_id IN ({communes})",
        "notifications": f"communes_conventiontextnotification t WHERE t.commune_id IN ({communes})",
        "commune groups": f"communes_communegroup t WHERE t.commune_id IN ({communes})",
        "groups": f"auth_group t WHERE t.id IN ({groups})",
        "group permissions": f"auth_group_permissions t WHERE t.group_id IN ({groups})",
        "users": f"auth_user t WHERE t.id IN ({users})",
        "memberships": f"auth_user_groups t WHERE t.user_id IN ({users}) OR t.group_id IN ({groups})",
    }
    return " UNION ALL ".join(
        f"SELECT '{name}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {source}"
        for name, source in tables.items()
    )
