"""Contributors' personal data (Art. 6-7, invariant 4): anonymised exports, data rights, retention.

The default is always the anonymised form; personal data leaves the platform
only through an export that needs its own permission and is logged with a reason.
"""

import datetime
import functools
import hashlib
import re
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Case, CharField, F, Max, Q, TextField, Value, When
from django.db.models.functions import Cast, Concat, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.contrib.forms.models import FormSubmission
from wagtail.log_actions import log

from core.batches import delete_in_batches, in_batches

from ..models import (
    AnswerStatus,
    Appeal,
    Comment,
    Contribution,
    ContributionStatus,
    EventRegistration,
    Participant,
    PendingAction,
    ProcessFollow,
    ProcessPage,
    ProcessState,
    QuestionnairePage,
    Report,
    Support,
    contributions_updated_in_bulk,
    contributor_key,
)
from . import Refused
from .abuse import ended_rate_limit_counters
from .comment_counts import refresh_comment_count
from .open_data import open_data_changed
from .participants import expired_pending_actions
from .supports import remove_supports, supports_of

RIGHTS_SALT = "participation.contributor.rights"
ERASED_PSEUDONYM = "Anonyme"

# An "at" or a "dot" as people write them to dodge robots: "@" with spaces, [at], (at), {at}, " at ", " arobase ",
# [dot], (point), " dot ", " point ".
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|arobase|chez|@)\s*[\])}>]\s*|\s+(?:at|arobase|chez)\s+)"
_DOT = r"(?:\.|\s*[\[({<]\s*(?:dot|point|\.)\s*[\])}>]\s*|\s+(?:dot|point)\s+)"
EMAIL_PATTERN = re.compile(
    rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,24}}\b",
    re.IGNORECASE,
)
URL_PATTERN = re.compile(r"\b(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
# A bare address without "http": a name, a dot, a known top-level domain (a list, so that "etc.Le" or "p.ex"
# stay), and any path after it.
TOP_LEVEL_DOMAINS = (
    "fr|com|org|net|eu|info|io|be|ch|lu|de|es|it|uk|ca|co|me|app|dev|biz|xyz|online|site|bzh|paris|alsace|corsica"
    "|gouv|re|nc|pf|gp|mq|gf|yt|pm|wf|tf|blog|shop|tv|fm|ly|gl|gg|li|to|ai|social|link|page|website|cloud"
)
DOMAIN_PATTERN = re.compile(
    rf"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{TOP_LEVEL_DOMAINS})\b(?:[/?#][^\s]*)?", re.IGNORECASE
)
# French numbers (06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78) and other runs of 9 digits or more (a date
# such as 12.05.2024 is only eight).
PHONE_PATTERN = re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(0\)[\s.-]?)?\d(?:[\s.-]?\d){8,13}")
# A name introduced as names are: a signature ("signé", "cordialement"), "je m'appelle", a civility (M., Mme…),
# followed by one to three capitalised words.
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’]*(?:-[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’]*)?"
_CIVILITIES = r"M\.|MM\.|Mme|Mmes|Mlle|Madame|Monsieur|Mademoiselle|Dr|Docteur|Maître|Me"
# (Every cue starts a word: the `\b` first lets the search pass over the inside of words quickly.)
NAME_CUE_PATTERN = re.compile(
    r"(?P<cue>\b(?:(?i:sign[ée]e?s?|cordialement|bien à vous|amicalement|je m'appelle|je m’appelle"
    rf"|je me nomme|mon nom est|de la part de)[\s,:.-]+|(?:{_CIVILITIES})\s+))"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})"
)
# What NAME_CUE_PATTERN cannot match without: one of its case-insensitive cues, folded ("signé" or "signe" for
# "sign[ée]"), or a civility (each starts with "M" or "D") and a blank.
_NAME_CUES = (
    "signé",
    "signe",
    "cordialement",
    "bien à vous",
    "amicalement",
    "je m'appelle",
    "je m’appelle",
    "je me nomme",
    "mon nom est",
    "de la part de",
)
_MAY_HOLD_CIVILITY = re.compile(rf"(?:{_CIVILITIES})\s")
# Words too common to be masked as a name when they are a contributor's pseudonym or part of their address.
MIN_NAME_LENGTH = 3


NAME_SEPARATORS = re.compile(r"[\s._-]+")
EMAIL_NAME_SEPARATORS = re.compile(r"[._+-]+")


def _email_name_parts(address):
    return [part for part in EMAIL_NAME_SEPARATORS.split(address.split("@")[0]) if part and not part.isdigit()]


def _name_words(names):
    """The author's own names as masked: each pseudonym, and the name in their email address
    (jean.dupont@… gives "jean dupont", "dupont jean" and, as parts, "jean" and "dupont"), longest first."""
    words = set()
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        if "@" in name:
            parts = _email_name_parts(name)
            if len(parts) >= 2:
                words.update(part for part in parts if len(part) >= MIN_NAME_LENGTH)
                words.add(" ".join(parts))
                words.add(" ".join(reversed(parts)))
            continue
        words.add(name)
        # Its capitalised words too ("Jean Dupont" gives "Dupont"; "12 rue des Lilas" gives only "Lilas").
        words.update(part for part in NAME_SEPARATORS.split(name) if part[:1].isupper())
    return tuple(sorted((word for word in words if len(word) >= MIN_NAME_LENGTH), key=len, reverse=True))


# An export masks one text per row with its author's names: the pattern of a name is compiled once, and only for a
# text where all the parts of one of the names appear (compiling costs far more than looking).
NAME_PATTERNS_KEPT = 256


@functools.lru_cache(maxsize=NAME_PATTERNS_KEPT)
def _names_pattern(words):
    alternatives = "|".join(r"[\s._-]+".join(map(re.escape, re.split(r"[\s._-]+", word))) for word in words)
    return re.compile(rf"(?<![\w@])(?:{alternatives})(?![\w@])", re.IGNORECASE)


# The caseless parts of each word of one name, kept for pseudonyms (an export meets the same ones again and again);
# an email address, nearly always new, is split each time rather than pushing the pseudonyms out.
NAMES_KEPT = 4096


def _parts_of_words(name):
    if "@" in name and len(_email_name_parts(name)) < 2:
        return ()  # an address such as "habitant2583@…" names nobody (`_name_words`)
    return [[_caseless(part) for part in NAME_SEPARATORS.split(word)] for word in _name_words((name,))]


_parts_of_words_kept = functools.lru_cache(maxsize=NAMES_KEPT)(_parts_of_words)


def _caseless(text):
    """A text folded at least as much as a case-insensitive pattern compares it ("İ" is an "i" for `re`, and two
    characters for `casefold`)."""
    return text.replace("\u0130", "i").casefold()


def _own_names_in(text, names, folded=None):
    """The pattern of the author's names if all the parts of one of their words are in `text` (`folded`: the text
    already folded), else None (the words of several names are those of each name: each is looked for on its own,
    the pattern is made only when needed)."""
    for name in names:
        if not name:
            continue
        for parts in (_parts_of_words if "@" in name else _parts_of_words_kept)(name):
            if folded is None:
                folded = _caseless(text)
            if parts[0] in folded and all(part in folded for part in parts[1:]):
                return _names_pattern(_name_words(tuple(names)))
    return None


# What each pattern cannot match without (a cheap look first: an export masks hundreds of thousands of texts).
_AT_WORD = re.compile(r"at(?<=[\s\[({<]at)[\s\])}>]")  # the "at" first: looked for quickly
_MAY_HOLD_DOMAIN = re.compile(rf"\.(?:{TOP_LEVEL_DOMAINS})\b", re.IGNORECASE)
_MAY_HOLD_PHONE = re.compile(r"\d(?:[\s.-]?\d){8}")


@functools.lru_cache(maxsize=8)
def _mask_labels(language):
    return _("[courriel masqué]"), _("[lien masqué]"), _("[téléphone masqué]"), _("[nom masqué]")


def mask_personal_data(text, names=()):
    """Mask what would say who wrote a free text: emails (also written "jean [at] example [dot] org"), links and
    bare addresses (example.org/page), phone numbers, names introduced as names ("signé Jean Dupont", "Mme
    Martin"), and `names`: the author's own pseudonym, name or email address, wherever they appear."""
    return _mask(text, names, _mask_labels(get_language()))


def personal_data_mask():
    """`mask_personal_data` with the labels of the active language read once: for the many rows of an export."""
    labels = _mask_labels(get_language())
    return lambda text, names=(): _mask(text, names, labels)


def _mask(text, names, labels):
    email, link, phone, name = labels
    text = original = text or ""
    folded = _caseless(text)
    if "@" in text or "arobase" in folded or "chez" in folded or _AT_WORD.search(folded):
        text = EMAIL_PATTERN.sub(email, text)
    if "://" in text or "www." in folded:
        text = URL_PATTERN.sub(link, text)
    if _MAY_HOLD_DOMAIN.search(text):
        text = DOMAIN_PATTERN.sub(link, text)
    if _MAY_HOLD_PHONE.search(text):
        text = PHONE_PATTERN.sub(phone, text)
    if own_names := _own_names_in(text, names, folded if text is original else None):
        text = own_names.sub(name, text)
    if any(cue in folded for cue in _NAME_CUES) or (("M" in text or "D" in text) and _MAY_HOLD_CIVILITY.search(text)):
        text = NAME_CUE_PATTERN.sub(lambda match: match.group("cue") + name, text)
    return text


# --- Exports for the analysis phase ------------------------------------------------------------


EXPORTED_STATUSES = [
    ContributionStatus.AWAITING_MODERATION,
    ContributionStatus.PUBLISHED,
    ContributionStatus.REJECTED,
    ContributionStatus.HIDDEN,
]


def exported_contributions(process):
    """In order of arrival: the order of their ids (a contribution's `created_at` is the clock when it was written,
    never changed afterwards; only demonstration data sets it), read from the index on (process, id)."""
    return (
        Contribution.objects.filter(process=process, status__in=EXPORTED_STATUSES)
        .select_related("theme")
        .order_by("pk")
    )


# Rows read from the database this many at a time: memory stays flat.
EXPORT_CHUNK = 2000


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _local_day(moment):
    return moment.astimezone(timezone.get_current_timezone()).date().isoformat() if moment else ""


def _exported_values(process, *fields):
    """The exported contributions' `fields` (and "day": the local date of arrival, worked out by the database), with
    no model built (the theme's name is joined).

    A page of `EXPORT_CHUNK` rows at a time, each read from the index on (process, id) after the last id of the page
    before: no sort, the first rows at once, and nothing held in the database (no cursor, no transaction) while a
    slow download goes on. A contribution changed meanwhile is exported as it is when its page is read."""
    rows = exported_contributions(process).annotate(day=TruncDate("created_at")).values_list("id", *fields)
    last = None
    while True:
        page = list((rows if last is None else rows.filter(pk__gt=last))[:EXPORT_CHUNK])
        for row in page:
            yield row[1:]
        if len(page) < EXPORT_CHUNK:
            return
        last = page[-1][0]


def contributor_identifiers():
    """A function giving each contributor (by email, or each contribution without one) an identifier that says
    nothing of them: a keyed hash whose key is drawn afresh for each export and forgotten, so identifiers cannot be
    matched across exports; nothing to remember per contributor, whatever their number."""
    key = secrets.token_bytes(32)

    def identifier(email, pk):
        source = email.lower() if email else f"#{pk}"
        return "C-" + hashlib.blake2b(source.encode(), key=key, digest_size=6).hexdigest()

    return identifier


def anonymised_rows(process):
    """Header then one row per contribution: a random identifier per contributor, never who they are."""
    identifier = contributor_identifiers()
    mask = personal_data_mask()
    statuses = _labels(ContributionStatus.choices)
    yield [_("contributeur"), _("date"), _("état"), _("thème"), _("contribution")]
    for pk, email, pseudonym, day, status, theme, text in _exported_values(
        process, "pk", "email", "pseudonym", "day", "status", "theme__name", "text"
    ):
        yield [
            identifier(email, pk),
            day.isoformat(),
            statuses[status],
            theme or "",
            mask(text, names=(pseudonym, email)),
        ]


def personal_rows(process):
    """The same, with the pseudonym, the email and the text as written: for the personal-data export only."""
    statuses = _labels(ContributionStatus.choices)
    yield [_("pseudonyme"), _("courriel"), _("date"), _("état"), _("thème"), _("contribution")]
    for pseudonym, email, day, status, theme, text in _exported_values(
        process, "pseudonym", "email", "day", "status", "theme__name", "text"
    ):
        yield [pseudonym, email, day.isoformat(), statuses[status], theme or "", text]


def questionnaire_rows(questionnaire, *, with_personal_data=False):
    """Answers to one questionnaire; personal questions left out and free text masked, unless personal data
    was asked for."""
    every_field = questionnaire.get_form_fields()
    fields = [field for field in every_field if with_personal_data or not field.is_personal]
    names = [field.clean_name for field in fields]
    personal_names = [field.clean_name for field in every_field if field.is_personal]
    yield [_("réponse"), _("date"), *[field.label for field in fields]]
    submissions = (
        FormSubmission.objects.filter(page=questionnaire)
        .order_by("submit_time", "pk")
        .values_list("form_data", "submit_time")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for number, (data, submit_time) in enumerate(submissions, start=1):
        values = [", ".join(v) if isinstance(v, list) else str(v or "") for v in (data.get(name) for name in names)]
        if not with_personal_data:
            # The answers to personal questions (a name, an address) are masked where the other answers repeat them.
            authors = [str(data.get(name) or "") for name in personal_names]
            values = [mask_personal_data(value, names=authors) for value in values]
        yield [str(number), _local_day(submit_time), *values]


def questionnaires_of(process):
    return QuestionnairePage.objects.child_of(process).order_by("path")


def log_export(process, user, *, file_format, with_personal_data, reason=""):
    """Who exported which process, when, in which format; with personal data, also why and about whom: the ids
    of the contributions and answers that left (never their authors' addresses)."""
    if not with_personal_data:
        data = {"format": file_format, "contributions": exported_contributions(process).count()}
    else:
        contribution_ids = list(exported_contributions(process).order_by("pk").values_list("pk", flat=True))
        data = {"format": file_format, "contributions": len(contribution_ids)}
        submissions = FormSubmission.objects.filter(page__in=questionnaires_of(process))
        data.update(
            reason=reason,
            contribution_ids=contribution_ids,
            contributors=exported_contributions(process)
            .exclude(contributor_key="")
            .values("contributor_key")
            .distinct()
            .count(),
            answer_ids=list(submissions.order_by("pk").values_list("pk", flat=True)),
        )
    action = "participation.export_personal_data" if with_personal_data else "participation.export_anonymised"
    log(process, action, user=user, data=data)


def log_questionnaire_export(questionnaire, user, *, file_format, reason, submissions):
    """Raw answers to a questionnaire (Wagtail's own export) left with a reason: which answers, and which
    questions ask who the person is."""
    answer_ids = sorted(submissions.values_list("pk", flat=True))
    log(
        questionnaire,
        "participation.export_questionnaire_answers",
        user=user,
        data={
            "format": file_format,
            "reason": reason,
            "answers": len(answer_ids),
            "answer_ids": answer_ids,
            "personal_questions": [field.label for field in questionnaire.get_form_fields() if field.is_personal],
        },
    )


def log_data_communicated(key, user, *, reason):
    """A contributor's data handed over by staff on a request received by post or email: whose (the keyed hash
    of the address, as their personal link carries it, never the address), what, and why."""
    log(
        user,
        "participation.personal_data_communicated",
        user=user,
        data={
            "reason": reason,
            "contributor_key": key,
            "contribution_ids": list(contributions_of(key).order_by("pk").values_list("pk", flat=True)),
            "registrations": EventRegistration.objects.filter(contributor_key=key).count() if key else 0,
            "comment_ids": list(comments_of(key).order_by("pk").values_list("pk", flat=True)),
        },
    )


# --- Open data ------------------------------------------------------------------------------------


def open_data_rows(process):
    """Published contributions of a closed public process, anonymised, for anyone to reuse: with their counts of
    supports and comments and the commune's answer, never who supported, commented or follows."""
    yield [
        "numero",
        "date",
        "theme",
        "contribution",
        "soutiens",
        "commentaires",
        "reponse_statut",
        "reponse",
        "reponse_date",
    ]
    answers = _labels(AnswerStatus.choices)
    # Read in the order of the index of a process's published contributions (`contribution_recent`, backwards).
    published = (
        Contribution.objects.published()
        .filter(process=process)
        .order_by("published_at", "pk")
        .values_list(
            "published_at",
            "theme__name",
            "text",
            "pseudonym",
            "email",
            "support_count",
            "comment_count",
            "answer_status",
            "answer_text",
            "answered_at",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for number, row in enumerate(published, start=1):
        published_at, theme, text, pseudonym, email, supports, comments, answer_status, answer_text, answered_at = row
        names = (pseudonym, email)
        yield [
            number,
            _local_day(published_at),
            theme or "",
            mask_personal_data(text, names=names),
            supports,
            comments,
            answers[answer_status] if answer_status else "",
            # The commune's words; masked too, in case they name the author.
            mask_personal_data(answer_text, names=names) if answer_status else "",
            _local_day(answered_at),
        ]


def open_data_available(process):
    return not process.is_internal and process.state == ProcessState.CLOSED


# --- Data rights, through a signed link in every email ------------------------------------------------


def rights_url(email):
    # The token carries the keyed hash, not the address: a link in a log or a proxy reveals nobody.
    token = signing.dumps(contributor_key(email), salt=RIGHTS_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:my_data", args=[token])


def key_from_rights_token(token):
    try:
        key = signing.loads(token, salt=RIGHTS_SALT, max_age=settings.DATA_RIGHTS_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        raise Refused(
            _("Ce lien a expiré. Le lien contenu dans votre dernier courriel de la plateforme reste valable.")
        ) from None
    except signing.BadSignature:
        raise Refused(_("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")) from None
    if not key:
        raise Refused(_("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."))
    return key


def contributions_of(key):
    """The contributions of one contributor, found by the keyed hash of their email (never an empty one)."""
    if not key:
        return Contribution.objects.none()
    return Contribution.objects.filter(contributor_key=key).select_related("process").order_by("-created_at")


def stored_data_of(key):
    """Everything stored about one contributor, for them to download (right of access)."""
    contributions = list(contributions_of(key).select_related("appeal"))
    registrations = EventRegistration.objects.filter(contributor_key=key).select_related("process") if key else []
    emails = {c.email for c in contributions} | {r.email for r in registrations}
    follows = list(follows_of_key(key))
    emails |= {follow.email for follow in follows}
    emails |= set(comments_of(key).values_list("email", flat=True))
    return {
        "adresses_electroniques": sorted(email for email in emails if email),
        "contributions": [
            {
                "demarche": contribution.process.title,
                "pseudonyme": contribution.pseudonym,
                "texte": contribution.text,
                "etat": contribution.get_status_display(),
                "deposee_le": contribution.created_at.isoformat(),
                "confirmee_le": contribution.confirmed_at.isoformat() if contribution.confirmed_at else None,
                "publiee_le": contribution.published_at.isoformat() if contribution.published_at else None,
                "regle_citee": contribution.rule_title,
                "explication_de_la_moderation": contribution.decision_reason,
                "contestation": getattr(getattr(contribution, "appeal", None), "explanation", None),
                "reponse_a_la_contestation": getattr(getattr(contribution, "appeal", None), "response", None),
            }
            for contribution in contributions
        ],
        "inscriptions": [
            {"demarche": registration.process.title, "nom": registration.name, "besoins": registration.needs}
            for registration in registrations
        ],
        "abonnements": [
            {
                "demarche": follow.process.title,
                "demande_le": follow.created_at.isoformat(),
                "confirme_le": follow.confirmed_at.isoformat() if follow.confirmed_at else None,
            }
            for follow in follows
        ],
        "commentaires": [
            {
                "demarche": comment.contribution.process.title,
                "contribution": comment.contribution_id,
                "en_reponse_a": comment.parent_id,
                "pseudonyme": comment.pseudonym,
                "texte": comment.text,
                "etat": comment.get_status_display(),
                "depose_le": comment.created_at.isoformat(),
                "confirme_le": comment.confirmed_at.isoformat() if comment.confirmed_at else None,
                "publie_le": comment.published_at.isoformat() if comment.published_at else None,
                "regle_citee": comment.rule_title,
                "explication_de_la_moderation": comment.decision_reason,
                "contestation": getattr(getattr(comment, "appeal", None), "explanation", None),
                "reponse_a_la_contestation": getattr(getattr(comment, "appeal", None), "response", None),
            }
            for comment in comments_of(key).select_related("appeal")
        ],
        **_supports_stored(key),
    }


def _supports_stored(key):
    """The person's supports (which contribution, when) and the participant pass's record (the confirmed address,
    when it was confirmed and last used)."""
    participant = Participant.objects.filter(contributor_key=key).first() if key else None
    return {
        "soutiens": [
            {
                "demarche": support.contribution.process.title,
                "contribution": support.contribution.pk,
                "soutenue_le": support.created_at.isoformat(),
            }
            for support in supports_of(key)
        ],
        "passe_de_participation": {
            "adresse_electronique": participant.email,
            "confirmee_le": participant.confirmed_at.isoformat(),
            "derniere_action_le": participant.last_seen_at.isoformat(),
        }
        if participant is not None
        else None,
    }


def follows_of_key(key):
    """The processes one person follows, by the keyed hash of their email (never an empty one)."""
    if not key:
        return ProcessFollow.objects.none()
    return ProcessFollow.objects.filter(contributor_key=key).select_related("process").order_by("-created_at")


@transaction.atomic
def withdraw(contribution, key):
    """The author takes one contribution back: it leaves the site, and moderation."""
    if not key or contribution.contributor_key != key:
        return False
    contribution.status = ContributionStatus.WITHDRAWN
    contribution.save(update_fields=["status"])
    log(contribution, "participation.contribution_withdrawn")
    return True


def _erase(contribution, *, keep_published_text):
    keep_text = keep_published_text and contribution.status == ContributionStatus.PUBLISHED
    contribution.pseudonym = ERASED_PSEUDONYM
    contribution.email = ""
    contribution.decision_reason = ""  # it may quote the author
    contribution.anonymised_at = timezone.now()
    if not keep_text:
        contribution.text = ""
        if contribution.status != ContributionStatus.REJECTED:
            contribution.status = ContributionStatus.WITHDRAWN
    # Never the counters: they may have changed since this contribution was read.
    contribution.save(
        update_fields=["pseudonym", "email", "contributor_key", "decision_reason", "anonymised_at", "text", "status"]
    )
    Appeal.objects.filter(contribution=contribution).update(explanation="", response="")


@transaction.atomic
def erase_personal_data(key, *, keep_published_text=False, user=None):
    """Right to erasure: pseudonym and email replaced, text kept only if published and the author wishes.

    Logged with counts only, never with what was erased. Returns the number of contributions changed.
    """
    contributions = list(contributions_of(key))
    Contribution.objects.filter(
        pk__in=[c.pk for c in contributions if c.status == ContributionStatus.AWAITING_CONFIRMATION]
    ).delete()
    erased = 0
    for contribution in contributions:
        if contribution.status == ContributionStatus.AWAITING_CONFIRMATION:
            continue
        _erase(contribution, keep_published_text=keep_published_text)
        log(contribution, "participation.personal_data_erased", user=user, data={"kept_text": bool(contribution.text)})
        erased += 1
    if key:
        EventRegistration.objects.filter(contributor_key=key).delete()
        ProcessFollow.objects.filter(contributor_key=key).delete()
        _erase_supports_and_pass(key)
        # Supports taken out change the counts of contributions of any process: every open data file is written again.
        open_data_changed()
        # Links asked and not yet expired name an address: the few of this person's go too.
        PendingAction.objects.filter(
            pk__in=[
                pending.pk for pending in PendingAction.objects.only("email") if contributor_key(pending.email) == key
            ]
        ).delete()
    erase_comments(key, keep_published_text=keep_published_text, user=user)
    return erased


# --- Comments: listed, withdrawn and erased as contributions are -------------------------------------------


def comments_of(key):
    """The comments of one person, found by the keyed hash of their email (never an empty one)."""
    if not key:
        return Comment.objects.none()
    return (
        Comment.objects.filter(contributor_key=key)
        .select_related("contribution__process")
        .order_by("-created_at", "-pk")
    )


@transaction.atomic
def withdraw_comment(comment, key):
    """The author takes one comment back: it leaves the site, and moderation."""
    if not key or comment.contributor_key != key:
        return False
    comment.status = ContributionStatus.WITHDRAWN
    comment.save(update_fields=["status"])
    log(comment, "participation.comment_withdrawn")
    refresh_comment_count(comment.contribution_id)
    return True


def _erase_comment(comment, *, keep_published_text):
    keep_text = keep_published_text and comment.status == ContributionStatus.PUBLISHED
    comment.pseudonym = ERASED_PSEUDONYM
    comment.email = ""
    comment.decision_reason = ""  # it may quote the author
    comment.anonymised_at = timezone.now()
    if not keep_text:
        comment.text = ""
        if comment.status != ContributionStatus.REJECTED:
            comment.status = ContributionStatus.WITHDRAWN
    comment.save()
    Appeal.objects.filter(comment=comment).update(explanation="", response="")


def erase_comments(key, *, keep_published_text=False, user=None):
    """The right to erasure, for comments: unconfirmed ones deleted, the others anonymised (their published text
    kept, without the pseudonym, only if the author wishes). Returns the number of comments changed."""
    comments = list(comments_of(key))
    Comment.objects.filter(
        pk__in=[c.pk for c in comments if c.status == ContributionStatus.AWAITING_CONFIRMATION]
    ).delete()
    erased = 0
    for comment in comments:
        if comment.status == ContributionStatus.AWAITING_CONFIRMATION:
            continue
        _erase_comment(comment, keep_published_text=keep_published_text)
        log(comment, "participation.personal_data_erased", user=user, data={"kept_text": bool(comment.text)})
        erased += 1
    for contribution_id in {comment.contribution_id for comment in comments}:
        refresh_comment_count(contribution_id)
    return erased


def comments_past_retention(today=None, *, processes=None):
    return Comment.objects.filter(
        contribution__process_id__in=_past_ids(today, processes), anonymised_at__isnull=True
    ).exclude(status=ContributionStatus.AWAITING_CONFIRMATION)


def expired_unconfirmed_comments(now=None):
    now = now or timezone.now()
    expiry = now - datetime.timedelta(hours=settings.CONTRIBUTION_CONFIRMATION_HOURS)
    return Comment.objects.filter(status=ContributionStatus.AWAITING_CONFIRMATION, created_at__lt=expiry)


def _erase_supports_and_pass(key):
    """Supports are taken out of their contributions' counts; the pass's record goes, so the pass opens nothing."""
    remove_supports(Support.objects.filter(participant_key=key))
    Participant.objects.filter(contributor_key=key).delete()


# --- Retention ----------------------------------------------------------------------------------------


def retention_cutoff(today=None):
    """Processes closed before this day are past retention (PERSONAL_DATA_RETENTION_DAYS after closing)."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def processes_past_retention(today=None):
    return ProcessPage.objects.annotate(last_day=Max("phases__ends_on")).filter(last_day__lt=retention_cutoff(today))


def past_process_ids(today=None):
    """The ids of the processes past retention, read once. The sets below filter on this list rather than on
    `processes_past_retention` as a subquery: PostgreSQL cannot estimate its grouped maximum, and at a million
    contributions would walk whole tables to find the few rows of a purge."""
    return list(processes_past_retention(today).order_by().values_list("pk", flat=True))


def _past_ids(today, processes):
    return past_process_ids(today) if processes is None else processes


def past_retention(today=None, *, processes=None):
    """Contributions to anonymise; `processes`: the ids of the processes past retention, if already read."""
    return Contribution.objects.filter(process_id__in=_past_ids(today, processes), anonymised_at__isnull=True).exclude(
        status=ContributionStatus.AWAITING_CONFIRMATION
    )


def personal_answers_past_retention(today=None):
    """[(questionnaire, clean names of its personal questions, its answers that still hold one)] in the
    questionnaires of processes past retention."""
    process_paths = list(processes_past_retention(today).values_list("path", flat=True))
    questionnaires = (
        QuestionnairePage.objects.filter(form_fields__is_personal=True).distinct().prefetch_related("form_fields")
    )
    found = []
    for questionnaire in questionnaires:
        if questionnaire.path[: -ProcessPage.steplen] not in process_paths:
            continue
        names = [field.clean_name for field in questionnaire.form_fields.all() if field.is_personal]
        holding = Q()
        for name in names:
            holding |= Q(form_data__has_key=name)
        found.append((questionnaire, names, FormSubmission.objects.filter(holding, page=questionnaire)))
    return found


def expired_unconfirmed(now=None):
    now = now or timezone.now()
    expiry = now - datetime.timedelta(hours=settings.CONTRIBUTION_CONFIRMATION_HOURS)
    return Contribution.objects.filter(status=ContributionStatus.AWAITING_CONFIRMATION, created_at__lt=expiry)


def expired_unconfirmed_registrations(now=None):
    now = now or timezone.now()
    expiry = now - datetime.timedelta(hours=settings.CONTRIBUTION_CONFIRMATION_HOURS)
    return EventRegistration.objects.filter(confirmed_at__isnull=True, created_at__lt=expiry)


def follows_past_retention(today=None, *, processes=None):
    """Follows of processes past retention: nothing more will be sent about them."""
    return ProcessFollow.objects.filter(process_id__in=_past_ids(today, processes))


def expired_unconfirmed_follows(now=None):
    """Follows whose confirmation link expired unopened."""
    now = now or timezone.now()
    expiry = now - datetime.timedelta(hours=settings.CONTRIBUTION_CONFIRMATION_HOURS)
    return ProcessFollow.objects.filter(confirmed_at__isnull=True, created_at__lt=expiry)


def stale_report_fingerprints(today=None, *, processes=None):
    """Reporters' fingerprints are kept as long as the contribution's personal data, then forgotten with it.

    Until then a client's report counts once for the contribution's life (participation.services.abuse).
    """
    past = _past_ids(today, processes)
    return Report.objects.filter(
        Q(contribution__process_id__in=past) | Q(comment__contribution__process_id__in=past)
    ).exclude(reporter_hash__startswith="purged-")


def stale_support_keys(today=None, *, processes=None):
    """Supports keep their person's key while the process's personal data is kept (they may withdraw it), then
    only the count stays: the key is forgotten ("purged-…"), as reporters' fingerprints are."""
    return Support.objects.filter(contribution__process_id__in=_past_ids(today, processes)).exclude(
        participant_key__startswith="purged-"
    )


def participants_past_retention(now=None):
    """Passes unused for the retention period: the address they stand for is deleted."""
    now = now or timezone.now()
    return Participant.objects.filter(
        last_seen_at__lt=now - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    )


def registrations_past_retention(today=None):
    """Registrations for meetings held longer ago than the retention period."""
    cutoff = retention_cutoff(today)
    return EventRegistration.objects.filter(process__event_starts_at__date__lt=cutoff)


def anonymise_in_bulk(rows, model):
    """What `_erase` does to one contribution (or `_erase_comment` to one comment), with the published text kept,
    for the rows of `rows` in one UPDATE: the purge's way, at thousands of rows a second. A published one stays
    published with its text; any other loses its text and is withdrawn (a rejected one stays rejected). The appeal
    goes with it (it may quote the author). Returns how many rows changed."""
    target = "comment" if model is Comment else "contribution"
    # First, while `rows` still finds them (once anonymised, they leave the set).
    Appeal.objects.filter(**{f"{target}__in": rows.values("pk")}).exclude(explanation="", response="").update(
        explanation="", response=""
    )
    now = timezone.now()
    published = Q(status=ContributionStatus.PUBLISHED)
    return rows.update(
        pseudonym=ERASED_PSEUDONYM,
        email="",
        contributor_key="",
        decision_reason="",
        anonymised_at=now,
        text=Case(When(published, then=F("text")), default=Value(""), output_field=TextField()),
        status=Case(
            When(published | Q(status=ContributionStatus.REJECTED), then=F("status")),
            default=Value(ContributionStatus.WITHDRAWN.value),
            output_field=CharField(),
        ),
    )


def _anonymise_contributions(batch):
    process_ids = set(batch.values_list("process_id", flat=True))
    changed = anonymise_in_bulk(batch, Contribution)
    # Changed without save(): what the signals of a save keep in step hears of it here (the list's counts).
    contributions_updated_in_bulk.send(sender=Contribution, process_ids=process_ids)
    return changed


def _anonymise_comments(batch):
    process_ids = set(batch.values_list("contribution__process_id", flat=True))
    changed = anonymise_in_bulk(batch, Comment)
    # Their pseudonyms leave the pages of these processes: the cached pages (and the front cache) forget them, as
    # for contributions changed in bulk.
    contributions_updated_in_bulk.send(sender=Contribution, process_ids=process_ids)
    return changed


def _strip_personal_answers(names):
    def apply(batch):
        submissions = list(batch)
        for submission in submissions:
            submission.form_data = {key: value for key, value in submission.form_data.items() if key not in names}
        FormSubmission.objects.bulk_update(submissions, ["form_data"])
        return len(submissions)

    return apply


def _forget(field):
    """Replace a keyed hash by "purged-<id>": what was counted stays counted, whose it was is forgotten."""
    return lambda batch: batch.update(**{field: Concat(Value("purged-"), Cast("pk", CharField()))})


PURGE_STEPS = [
    # (the key of the count, what the progress says)
    ("anonymised", "contributions anonymised"),
    ("comments_anonymised", "comments anonymised"),
    ("unconfirmed_comments_deleted", "unconfirmed comments deleted"),
    ("questionnaire_answers_erased", "questionnaire answers to personal questions erased"),
    ("unconfirmed_deleted", "unconfirmed contributions deleted"),
    ("registrations_deleted", "meeting registrations deleted"),
    ("unconfirmed_registrations_deleted", "unconfirmed meeting registrations deleted"),
    ("follows_deleted", "follows of processes past retention deleted"),
    ("unconfirmed_follows_deleted", "unconfirmed follows deleted"),
    ("expired_action_links_deleted", "expired action links deleted"),
    ("rate_limit_counters_deleted", "ended rate-limit counters deleted"),
    ("report_fingerprints_forgotten", "report fingerprints forgotten"),
    ("support_keys_forgotten", "support keys forgotten"),
    ("participants_deleted", "unused participant pass records deleted"),
]


def purge_personal_data(*, dry_run=False, today=None, now=None, progress=None):
    """Anonymise what is past retention (reporters' fingerprints included), delete expired unconfirmed
    contributions and meeting registrations, and the rate-limit counters whose window has ended.

    Each step works in committed batches (`core.batches`): no transaction holds the tables for the whole run, and a
    run interrupted anywhere leaves each row either done or untouched; the next run does the rest.
    `progress(label, done, total, seconds)` hears of each batch. Returns {step: rows changed} (to change, dry).
    """
    personal_answers = personal_answers_past_retention(today)
    past = past_process_ids(today)
    # (rows, what to do with a batch of them (None: delete), whether to read their ids first: see `in_batches`).
    # Contributions process by process: each one's rows are read from an index in id order. Comments, reports and
    # supports are found through their contribution: their ids are read at once, with a join PostgreSQL plans
    # well, instead of asking at every batch for the next ones in id order.
    steps = {
        "anonymised": ([past_retention(processes=[pk]) for pk in past], _anonymise_contributions, False),
        "comments_anonymised": (
            comments_past_retention(processes=past),
            _anonymise_comments,
            True,
        ),
        "unconfirmed_comments_deleted": (expired_unconfirmed_comments(now), None, False),
        "unconfirmed_deleted": (expired_unconfirmed(now), None, False),
        "registrations_deleted": (registrations_past_retention(today), None, False),
        "unconfirmed_registrations_deleted": (expired_unconfirmed_registrations(now), None, False),
        "follows_deleted": (follows_past_retention(processes=past), None, False),
        "unconfirmed_follows_deleted": (expired_unconfirmed_follows(now), None, False),
        "expired_action_links_deleted": (expired_pending_actions(now), None, False),
        "rate_limit_counters_deleted": (ended_rate_limit_counters(now), None, False),
        "report_fingerprints_forgotten": (
            stale_report_fingerprints(processes=past),
            _forget("reporter_hash"),
            True,
        ),
        "support_keys_forgotten": (stale_support_keys(processes=past), _forget("participant_key"), True),
        "participants_deleted": (participants_past_retention(now), None, False),
        "questionnaire_answers_erased": (
            [submissions for _questionnaire, _names, submissions in personal_answers],
            None,
            False,
        ),
    }
    if dry_run:
        return {key: _count(rows) for key, (rows, _apply, _ids_first) in steps.items()}
    counts = {}
    for key, label in PURGE_STEPS:
        rows, apply, ids_first = steps[key]
        # Counted just before the step (its ids, when read first, are its count).
        options = {"progress": progress, "label": label, "total": None if ids_first else _count(rows)}
        if key == "questionnaire_answers_erased":
            counts[key] = sum(
                in_batches(submissions, _strip_personal_answers(names), **options)
                for _questionnaire, names, submissions in personal_answers
            )
        elif apply is None:
            counts[key] = delete_in_batches(rows, **options)
        else:
            counts[key] = in_batches(rows, apply, ids_first=ids_first, **options)
    return counts


def _count(rows):
    return sum(part.count() for part in rows) if isinstance(rows, list) else rows.count()


def has_personal_data(key):
    if not key:
        return False
    return (
        Contribution.objects.filter(contributor_key=key).exclude(email="").exists()
        or EventRegistration.objects.filter(contributor_key=key).exists()
        or ProcessFollow.objects.filter(contributor_key=key).exists()
        or Comment.objects.filter(contributor_key=key).exclude(email="").exists()
        or Support.objects.filter(participant_key=key).exists()
        or Participant.objects.filter(contributor_key=key).exists()
    )
