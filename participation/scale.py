"""A métropole's years of participation, generated on top of the demo: the data set `make bench` measures.

`generate_scale_data(contributions=1_000_000)` adds processes (Wagtail pages, created through the page tree, about
175 of them, once) to the communes that signed a convention, then fills them with contributions written from
word lists (`scale_texts`), their supports, comments and reports, and the participants behind them. One process
(the demo's open one, *Imaginons ensemble nos cours d'école*) gets 40 % of the contributions; the others share
the rest unevenly, as real processes do.

Rows are built by worker processes (one per core) while PostgreSQL takes the previous chunk through COPY
(psycopg 3); contribution and comment ids are reserved from their sequences first, so that supports, comments,
replies and reports name what they hang on without reading it back. A top-up goes in a transaction per chunk; a
load larger than half the table goes in as one transaction, with the tables' secondary indexes and foreign keys
dropped and made again at the end (one sorted build, one check per key, instead of a lookup per row).
Every row keeps the app's invariants: the keyed hash of each email (`contributor_key`), `published_at` on what
was published, the counters a contribution keeps (`support_count`, `comment_count` of its public comments), the
decision facts of moderated rows, and, for processes past the retention period, what the daily purge leaves
(no email, no key, "Anonyme", `anonymised_at`; supports' and reports' keys forgotten). One process closed just
past retention keeps its personal data: the daily purge's work (`purge sample`), topped up at each run.

Idempotent: the target is the total number of contributions in the database; a run with the same target adds
nothing, a larger one tops up. The site's cached counts are forgotten at the end (`forget_counts`) and the tables
analysed, so that the planner knows their new size.
"""

import dataclasses
import datetime
import multiprocessing
import os
import random
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from charter.services import current_acceptance_terms, current_charter_rules
from communes.models import Commune, CommuneSpacePage

from . import scale_texts as words
from .models import (
    AnswerStatus,
    Comment,
    Contribution,
    ContributionStatus,
    ModerationMode,
    Participant,
    ProcessPage,
    ProcessPhase,
    Report,
    Support,
    Theme,
    contributor_key,
)
from .services.contribution_list import forget_counts
from .services.personal_data import ERASED_PSEUDONYM
from .services.processes import ensure_process

# The demo's open process that takes the largest share (a local news article sent everyone there).
LARGE_PROCESS_SLUG = "imaginons-ensemble-nos-cours-decole"
LARGE_SHARE = 0.4
GENERATED_PROCESSES = 175
# The communes that signed a convention in the demo, weighted roughly by population; the last two ended theirs
# (their processes are kept offline). Malzéville has just joined: its space stays empty, as the demo tells.
COMMUNE_WEIGHTS = {"54395": 8, "54547": 3, "54184": 2, "54304": 2, "54357": 1, "54526": 1}
ENDED_COMMUNES = {"54357", "54526"}
CHUNK = 50_000
# From this many contributions to add (and at least half the table), indexes are built once after the load.
BULK_LOAD = 50_000
# From this many contributions to add, rows are built by worker processes.
PARALLEL_FROM = 20_000
EMAIL_DOMAIN = "habitants.example.org"
PURGE_SAMPLE_TITLE = "Consultation sur le stationnement résidentiel, clôturée il y a un an"

# What contributions and comments both record of their author and their moderation, in this order.
MODERATED_COLUMNS = [
    "charter_version_id",
    "terms_version_id",
    "status",
    "created_at",
    "confirmed_at",
    "published_at",
    "decided_by_id",
    "decided_at",
    "rule_key",
    "rule_title",
    "decision_reason",
    "anonymised_at",
]
CONTRIBUTION_COLUMNS = [
    "id",
    "process_id",
    "commune_id",
    "pseudonym",
    "email",
    "contributor_key",
    "text",
    "theme_id",
    *MODERATED_COLUMNS,
    "answer_status",
    "answer_text",
    "answered_at",
    "answered_by_id",
    "support_count",
    "comment_count",
]
COMMENT_COLUMNS = [
    "id",
    "contribution_id",
    "parent_id",
    "commune_id",
    "pseudonym",
    "email",
    "contributor_key",
    "text",
    *MODERATED_COLUMNS,
]
SUPPORT_COLUMNS = ["id", "contribution_id", "participant_key", "created_at"]
REPORT_COLUMNS = ["id", "contribution_id", "comment_id", "rule_key", "reporter_hash", "created_at", "resolved_at"]
PARTICIPANT_COLUMNS = ["email", "contributor_key", "confirmed_at", "last_seen_at"]

# Statuses of contributions (and comments), as a moderated platform sees them.
STATUS_WEIGHTS = [
    (ContributionStatus.PUBLISHED, 88),
    (ContributionStatus.AWAITING_MODERATION, 4),
    (ContributionStatus.REJECTED, 4),
    (ContributionStatus.HIDDEN, 1),
    (ContributionStatus.WITHDRAWN, 2),
    (ContributionStatus.AWAITING_CONFIRMATION, 1),
]
COMMENT_STATUS_WEIGHTS = [
    (ContributionStatus.PUBLISHED, 90),
    (ContributionStatus.AWAITING_MODERATION, 4),
    (ContributionStatus.REJECTED, 3),
    (ContributionStatus.HIDDEN, 3),
]


@dataclass
class ProcessFacts:
    """What generating rows needs to know of a process, read once."""

    pk: int
    commune_id: int
    opens: datetime.datetime
    closes: datetime.datetime
    theme_ids: list
    moderation_after: bool
    supports: bool
    past_retention: bool
    weight: float = 1.0


@dataclass
class Counts:
    processes_created: int = 0
    contributions: int = 0
    supports: int = 0
    comments: int = 0
    reports: int = 0
    purge_sample: int = 0


# --- COPY -------------------------------------------------------------------------------------------------


def _text(value):
    """A value in COPY's text format."""
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if value is None:
        return "\\N"
    if kind is datetime.datetime:
        return value.isoformat()
    return str(value)


def copy_rows(table, columns, rows):
    """COPY rows (tuples in the order of `columns`) into `table`, in text format, in slices of a few MB."""
    if not rows:
        return
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, len(rows), 10_000):
                lines = ["\t".join(map(_text, row)) for row in rows[start : start + 10_000]]
                copy.write("\n".join(lines) + "\n")


@contextmanager
def indexes_set_aside(models):
    """For a load much larger than the tables: their secondary indexes and foreign keys are dropped, and made again
    once the rows are in (one sorted build, one check of each key over the table, instead of a lookup per row).
    Inside the caller's transaction: an interrupted load leaves the tables as they were, indexes included."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique AND NOT indisprimary",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def reserve_ids(model, count):
    """The first of `count` consecutive ids taken from the model's sequence (the table is locked against other
    writers until the transaction ends, so nobody takes one in between)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


# --- Processes ------------------------------------------------------------------------------------------------


def process_specs(count, today):
    """The generated processes, the same every run (so that they are created once, found by their slug)."""
    communes = list(COMMUNE_WEIGHTS)
    weights = list(COMMUNE_WEIGHTS.values())
    themes = list(words.PROCESS_TOPICS)
    specs, slugs = [], set()
    for number in range(count):
        rng = random.Random(number)
        insee = rng.choices(communes, weights)[0]
        theme = rng.choice(themes)
        quarter = rng.choice(words.QUARTERS)
        roll = rng.random()
        if number == 0:
            # The purge sample: closed just past the retention period.
            ends = today - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS + 1)
            starts, title, theme = ends - datetime.timedelta(days=60), PURGE_SAMPLE_TITLE, "mobilite"
        else:
            if roll < 0.6:  # closed, over the last four years
                ends = today - datetime.timedelta(days=rng.randint(5, 4 * 365))
                starts = ends - datetime.timedelta(days=rng.randint(30, 120))
            elif roll < 0.9:  # open
                starts = today - datetime.timedelta(days=rng.randint(5, 90))
                ends = today + datetime.timedelta(days=rng.randint(5, 90))
            else:  # upcoming
                starts = today + datetime.timedelta(days=rng.randint(5, 60))
                ends = starts + datetime.timedelta(days=rng.randint(30, 90))
            title = f"{rng.choice(words.PROCESS_TOPICS[theme])} : {quarter} ({starts.year})"
            suffix = 2
            while slugify(title)[:80] in slugs:
                title = f"{rng.choice(words.PROCESS_TOPICS[theme])} : {quarter} ({starts.year}, volet {suffix})"
                suffix += 1
        slugs.add(slugify(title)[:80])
        second_theme = rng.choice(themes)
        specs.append(
            {
                "insee": insee,
                "title": title,
                "summary": f"La commune invite les habitants de {quarter} à donner leurs idées : "
                f"{rng.choice(words.PROPOSALS[theme])}, {rng.choice(words.REASONS)}",
                "location": quarter,
                "themes": sorted({theme, second_theme}),
                "moderation_mode": ModerationMode.AFTER if rng.random() < 0.2 else ModerationMode.BEFORE,
                "starts": starts,
                "ends": ends,
            }
        )
    return specs


def ensure_processes(count, today):
    """Create the generated processes that are missing (pages through the page tree); returns how many."""
    spaces = {space.commune.insee_code: space for space in CommuneSpacePage.objects.select_related("commune")}
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    created = 0
    for spec in process_specs(count, today):
        space = spaces.get(spec["insee"])
        if space is None:
            continue
        phases = [ProcessPhase(title="Contributions", starts_on=spec["starts"], ends_on=spec["ends"])]
        process, was_created = ensure_process(
            space,
            title=spec["title"],
            summary=spec["summary"],
            location=spec["location"],
            moderation_mode=spec["moderation_mode"],
            phases=phases,
            # The processes of a commune whose convention ended are kept offline (DESIGN invariant 2).
            publish=spec["insee"] not in ENDED_COMMUNES,
        )
        if was_created:
            process.themes.set([themes[slug] for slug in spec["themes"] if slug in themes])
            created += 1
    return created


def process_facts(today, now):
    """Facts of every process that can hold contributions (open or closed), with their share of the rows."""
    cutoff = today - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    spaces = {space.path: space.commune_id for space in CommuneSpacePage.objects.all()}
    found = {}
    processes = ProcessPage.objects.filter(accepts_contributions=True).with_schedule().prefetch_related("themes")
    for process in processes:
        if process.first_day is None or process.first_day > today:
            continue
        commune_id = spaces.get(process.path[: -ProcessPage.steplen])
        if commune_id is None:
            continue
        opens = datetime.datetime.combine(process.first_day, datetime.time(8), tzinfo=datetime.UTC)
        closes = datetime.datetime.combine(process.last_day, datetime.time(20), tzinfo=datetime.UTC)
        found[process.slug] = ProcessFacts(
            pk=process.pk,
            commune_id=commune_id,
            opens=opens,
            closes=min(closes, now - datetime.timedelta(hours=1)),
            theme_ids=[theme.pk for theme in process.themes.all()],
            moderation_after=process.moderation_mode == ModerationMode.AFTER,
            supports=process.supports_per_person is None,
            past_retention=process.last_day < cutoff,
            weight=random.Random(process.pk).paretovariate(1.1),
        )
    return found


# --- Rows -----------------------------------------------------------------------------------------------------


def _that(opening, clause):
    """ "Je propose que" + "un abri…": French elides "que" before a vowel ("qu'un abri…")."""
    if opening.endswith(" que") and clause[:1] in "aeiouéèAEIOU":
        return f"{opening[:-1]}'{clause}"
    return f"{opening} {clause}"


class RowMaker:
    """Builds the rows of one chunk: contributions and what hangs on them."""

    def __init__(self, rng, setting):
        self.rng = rng
        self.people = setting.people
        self.now = setting.now
        self.charter_id, self.terms_id = setting.charter_id, setting.terms_id
        self.rules = setting.rules
        self.theme_slugs = setting.theme_slugs
        self.keep_personal_data = setting.keep_personal_data
        self.report_threshold = setting.report_threshold
        self.statuses, self.status_weights = zip(*STATUS_WEIGHTS, strict=True)
        self.comment_statuses, self.comment_weights = zip(*COMMENT_STATUS_WEIGHTS, strict=True)
        # Kept by the process for its next chunks: a person's keyed hash and pseudonym are computed once.
        self.keys = _PEOPLE_CACHE.setdefault("keys", {})
        self.pseudonyms = _PEOPLE_CACHE.setdefault("pseudonyms", {})
        self.contributions, self.supports, self.comments, self.reports = [], [], [], []
        self.used_people = set()

    def key_of(self, number):
        """The keyed hash of the person's email, computed once per run."""
        key = self.keys.get(number)
        if key is None:
            key = self.keys[number] = contributor_key(f"habitant{number}@{EMAIL_DOMAIN}")
        return key

    def person(self):
        number = self.rng.randrange(self.people)
        return number, f"habitant{number}@{EMAIL_DOMAIN}", self.key_of(number)

    def pseudonym(self, number):
        found = self.pseudonyms.get(number)
        if found is None:
            rng = random.Random(number)
            if rng.random() < 0.2:
                found = f"{rng.choice(words.NICKNAMES).capitalize()} {number % 100}"
            else:
                found = f"{rng.choice(words.FIRST_NAMES)} {chr(65 + rng.randrange(26))}."
            self.pseudonyms[number] = found
        return found

    def text(self, theme_slug):
        rng = self.rng
        proposals = words.PROPOSALS.get(theme_slug) or rng.choice(list(words.PROPOSALS.values()))
        sentence = f"{_that(rng.choice(words.OPENINGS), rng.choice(proposals))} {rng.choice(words.PLACES)} "
        sentence += rng.choice(words.REASONS)
        if rng.random() < 0.5:
            sentence += " " + rng.choice(words.SECOND_THOUGHTS)
        if rng.random() < 0.3:
            sentence += f"\n\n{_that('Et aussi que', rng.choice(proposals))}, {rng.choice(words.REASONS)}"
        closing = rng.choice(words.CLOSINGS)
        return f"{sentence} {closing}".strip()

    def moment(self, start, end):
        span = max((end - start).total_seconds(), 60)
        return start + datetime.timedelta(seconds=self.rng.random() * span)

    def contribution(self, pk, facts):
        rng = self.rng
        status = rng.choices(self.statuses, self.status_weights)[0]
        anonymised = facts.past_retention and not self.keep_personal_data
        if status == ContributionStatus.AWAITING_CONFIRMATION and (anonymised or facts.closes < self.now - HOURS_48):
            # Links expire (and the purge deletes what was never confirmed): only recent ones wait.
            status = ContributionStatus.AWAITING_MODERATION
        if status == ContributionStatus.AWAITING_MODERATION and facts.moderation_after:
            status = ContributionStatus.PUBLISHED
        number, email, key = self.person()
        theme_id = rng.choice(facts.theme_ids) if facts.theme_ids and rng.random() < 0.8 else None
        theme_slug = self.theme_slugs.get(theme_id, "")
        if status == ContributionStatus.AWAITING_CONFIRMATION:
            created = self.moment(self.now - datetime.timedelta(hours=24), self.now)
        else:
            created = self.moment(facts.opens, facts.closes)
        confirmed = None if status == ContributionStatus.AWAITING_CONFIRMATION else created + MINUTES_20
        decided = published = None
        rule_key = rule_title = reason = ""
        if status in (ContributionStatus.PUBLISHED, ContributionStatus.HIDDEN, ContributionStatus.WITHDRAWN):
            published = (
                confirmed if facts.moderation_after else confirmed + datetime.timedelta(hours=rng.randint(1, 48))
            )
            decided = None if facts.moderation_after else published
        if status == ContributionStatus.REJECTED:
            decided = confirmed + datetime.timedelta(hours=rng.randint(1, 48))
            rule_key, rule_title = rng.choice(self.rules)
            reason = "Votre contribution ne respecte pas la charte d'utilisation : merci de la reformuler."
        if status == ContributionStatus.HIDDEN:
            decided = published + datetime.timedelta(days=rng.randint(1, 5))
            rule_key, rule_title = rng.choice(self.rules)
            for reporter in range(self.report_threshold):
                # Past retention, reporters' fingerprints are forgotten ("purged-…"), as the purge leaves them.
                fingerprint = f"{'purged' if anonymised else 'bench'}-{pk}-{reporter}"
                self.reports.append((pk, None, rule_key, fingerprint, decided, None))
        answer_status, answer_text, answered = "", "", None
        if status == ContributionStatus.PUBLISHED and rng.random() < 0.05:
            answer_status = rng.choice(list(AnswerStatus))
            answer_text = words.ANSWER_TEXTS[answer_status]
            answered = published + datetime.timedelta(days=rng.randint(1, 30))
        support_count = comment_count = 0
        if status == ContributionStatus.PUBLISHED:
            if facts.supports and rng.random() < 0.45:
                count = min(int(rng.paretovariate(1.5)), 400)
                support_count = self.add_supports(pk, published, count, anonymised)
            if rng.random() < 0.12:
                comment_count = self.add_comments(pk, facts, published, anonymised)
        pseudonym, text = self.pseudonym(number), self.text(theme_slug)
        anonymised_at = None
        if anonymised:
            pseudonym, email, key, reason = ERASED_PSEUDONYM, "", "", ""
            anonymised_at = facts.closes + datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS + 1)
            anonymised_at = min(anonymised_at, self.now)
            if status != ContributionStatus.PUBLISHED:
                text = ""
                if status != ContributionStatus.REJECTED:
                    status = ContributionStatus.WITHDRAWN
        else:
            self.used_people.add(number)
        self.contributions.append(
            (
                pk,
                facts.pk,
                facts.commune_id,
                pseudonym,
                email,
                key,
                text,
                theme_id,
                self.charter_id,
                self.terms_id,
                status,
                created,
                confirmed,
                published,
                None,
                decided,
                rule_key,
                rule_title,
                reason,
                anonymised_at,
                answer_status,
                answer_text,
                answered,
                None,
                support_count,
                comment_count,
            )
        )

    def add_supports(self, pk, published, count, anonymised):
        for order, number in enumerate(self.rng.sample(range(self.people), min(count, self.people))):
            if anonymised:
                # Past retention only the count stays: the person's key is forgotten ("purged-…").
                key = f"purged-{pk}-{order}"
            else:
                key = self.key_of(number)
                self.used_people.add(number)
            self.supports.append((pk, key, self.moment(published, self.now)))
        return min(count, self.people)

    def add_comments(self, pk, facts, published, anonymised):
        rng = self.rng
        public_top_level, public = [], 0
        for _number in range(min(1 + int(rng.paretovariate(2.0)), 30)):
            status = rng.choices(self.comment_statuses, self.comment_weights)[0]
            parent = rng.choice(public_top_level) if public_top_level and rng.random() < 0.3 else None
            number, email, key = self.person()
            when = self.moment(published, max(facts.closes, published))
            decided = when if status != ContributionStatus.AWAITING_MODERATION else None
            rule_key, rule_title = rng.choice(self.rules) if status in HIDDEN_OR_REJECTED else ("", "")
            comment = [
                pk,
                parent,
                facts.commune_id,
                self.pseudonym(number),
                email,
                key,
                rng.choice(words.COMMENTS),
                self.charter_id,
                self.terms_id,
                status,
                when,
                when,
                when if status in (ContributionStatus.PUBLISHED, ContributionStatus.HIDDEN) else None,
                None,
                decided,
                rule_key,
                rule_title,
                "",
                None,
            ]
            if anonymised:
                # What the purge leaves of a comment past retention: no author, its text only if it was published.
                comment[3:6] = [ERASED_PSEUDONYM, "", ""]
                comment[18] = min(when + datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS), self.now)
                if status != ContributionStatus.PUBLISHED:
                    comment[6] = ""
                    comment[9] = status if status == ContributionStatus.REJECTED else ContributionStatus.WITHDRAWN
            else:
                self.used_people.add(number)
            self.comments.append(comment)
            if status == ContributionStatus.PUBLISHED:
                public += 1
                if parent is None:
                    public_top_level.append(len(self.comments) - 1)  # its index, replaced by its id once reserved
        return public


HOURS_48 = datetime.timedelta(hours=48)
MINUTES_20 = datetime.timedelta(minutes=20)
HIDDEN_OR_REJECTED = (ContributionStatus.HIDDEN, ContributionStatus.REJECTED)
# A worker process's people already met (keyed hashes, pseudonyms), kept from one chunk to the next.
_PEOPLE_CACHE = {}


@dataclass(frozen=True)
class Setting:
    """What building rows needs from the database and the settings, read once by the command: worker processes
    build rows without a database connection."""

    people: int
    now: datetime.datetime
    charter_id: int
    terms_id: int
    rules: list
    theme_slugs: dict
    keep_personal_data: bool
    report_threshold: int


def _lines(rows):
    return "".join("\t".join(map(_text, row)) + "\n" for row in rows)


def build_chunk(task):
    """One chunk's rows, as COPY text (contributions, supports, reports, participants) and as lists (comments,
    whose replies name their parent by its index in the chunk until ids are reserved). Runs in a worker process."""
    setting, facts_list, weights, seed, first_id, size = task
    rng = random.Random(seed)
    maker = RowMaker(rng, setting)
    for offset, facts in enumerate(rng.choices(facts_list, weights, k=size)):
        maker.contribution(first_id + offset, facts)
    participants = []
    for number in sorted(maker.used_people):
        seen = setting.now - datetime.timedelta(days=rng.randint(0, 200))
        email = f"habitant{number}@{EMAIL_DOMAIN}"
        participants.append((email, maker.key_of(number), seen - datetime.timedelta(days=30), seen))
    return {
        "size": size,
        "contributions": _lines(maker.contributions),
        "supports": _lines(maker.supports),
        "support_count": len(maker.supports),
        "reports": _lines(maker.reports),
        "report_count": len(maker.reports),
        "participants": _lines(participants),
        "comments": maker.comments,
    }


def _copy_text(table, columns, text):
    if text:
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(text)


def _write_chunk(chunk):
    """COPY one chunk's rows, the comments' ids reserved first (replies name their parent)."""
    comments = chunk["comments"]
    if comments:
        first = reserve_ids(Comment, len(comments))
        for comment in comments:
            if comment[1] is not None:
                comment[1] = first + comment[1]
        comments = [(first + offset, *comment) for offset, comment in enumerate(comments)]
    _copy_text(Contribution._meta.db_table, CONTRIBUTION_COLUMNS, chunk["contributions"])
    copy_rows(Comment._meta.db_table, COMMENT_COLUMNS, comments)
    _copy_text(Support._meta.db_table, SUPPORT_COLUMNS[1:], chunk["supports"])
    _copy_text(Report._meta.db_table, REPORT_COLUMNS[1:], chunk["reports"])
    table = Participant._meta.db_table
    columns = ", ".join(PARTICIPANT_COLUMNS)
    with connection.cursor() as cursor:
        # Dropped at commit; a bulk load commits once, after every chunk.
        cursor.execute("DROP TABLE IF EXISTS scale_participants")
        cursor.execute(
            f"CREATE TEMPORARY TABLE scale_participants ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
    _copy_text("scale_participants", PARTICIPANT_COLUMNS, chunk["participants"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM scale_participants "
            "ON CONFLICT (contributor_key) WHERE contributor_key <> '' DO NOTHING"
        )
    return len(comments)


@contextmanager
def chunk_builders(count):
    """map() over chunks: in worker processes (one per core) for a large load, so that building rows runs beside
    PostgreSQL's work; in this process for a small one (and inside a caller's transaction, as tests are)."""
    if count < PARALLEL_FROM or connection.in_atomic_block:
        yield map
        return
    # Forked workers must not share this process's database connection: it is closed first (and opened again).
    connection.close()
    with multiprocessing.get_context("fork").Pool(min(os.cpu_count() or 1, 4)) as pool:
        yield pool.imap


def _generate(builders, count, facts_list, seed, setting, *, log=None):
    """`count` contributions over `facts_list` (by their weights), a transaction per chunk (or the caller's)."""
    counts = Counts()
    weights = [facts.weight for facts in facts_list]
    with transaction.atomic():
        first = reserve_ids(Contribution, count)
    sizes = [min(CHUNK, count - done) for done in range(0, count, CHUNK)]
    tasks = [
        (setting, facts_list, weights, f"{seed}-{number}", first + number * CHUNK, size)
        for number, size in enumerate(sizes)
    ]
    for chunk in builders(build_chunk, tasks):
        with transaction.atomic():
            counts.comments += _write_chunk(chunk)
        counts.contributions += chunk["size"]
        counts.supports += chunk["support_count"]
        counts.reports += chunk["report_count"]
        if log:
            log(f"  {counts.contributions} / {count} contributions")
    return counts


def generate_scale_data(contributions, *, processes=GENERATED_PROCESSES, large_share=LARGE_SHARE, log=None):
    """Top the database up to `contributions` contributions (see the module's docstring); returns Counts."""
    today, now = timezone.localdate(), timezone.now()
    if not CommuneSpacePage.objects.exists() or not Commune.objects.filter(insee_code__in=COMMUNE_WEIGHTS).exists():
        raise ValueError("The demo is not loaded: run `manage.py load_demo` first.")
    terms = current_acceptance_terms()
    if not terms.available:
        raise ValueError("No charter or CGU in force: run `manage.py load_demo` first.")
    started = time.monotonic()
    created = ensure_processes(processes, today)
    if log:
        log(f"  {created} process(es) created in {time.monotonic() - started:.0f} s")
    facts = process_facts(today, now)
    setting = Setting(
        people=max(1_000, contributions // 3),
        now=now,
        charter_id=terms.charter.pk,
        terms_id=terms.terms.pk,
        rules=current_charter_rules() or [("respect", "Respect des personnes")],
        theme_slugs=dict(Theme.objects.values_list("pk", "slug")),
        keep_personal_data=False,
        report_threshold=settings.REPORT_THRESHOLD,
    )
    sample = facts.pop(slugify(PURGE_SAMPLE_TITLE)[:80], None)
    if LARGE_PROCESS_SLUG in facts and len(facts) > 1:
        rest = sum(f.weight for slug, f in facts.items() if slug != LARGE_PROCESS_SLUG)
        facts[LARGE_PROCESS_SLUG].weight = rest * large_share / (1 - large_share)
    counts = Counts(processes_created=created)
    if sample is not None:
        # The daily purge's work: the contributions of a process just past retention, personal data still there.
        target = max(20, min(10_000, contributions // 100))
        kept = Contribution.objects.filter(process_id=sample.pk, anonymised_at__isnull=True).count()
        if kept < target:
            keeping = dataclasses.replace(setting, keep_personal_data=True)
            added = _generate(map, target - kept, [sample], f"sample-{kept}", keeping)
            counts.purge_sample = added.contributions
    existing = Contribution.objects.count()
    missing = contributions - existing
    if missing > 0 and facts:
        # A large load goes in as one transaction, indexes and foreign keys set aside; a top-up, chunk by chunk.
        bulk = missing >= max(BULK_LOAD, existing // 2)
        with chunk_builders(missing) as builders:
            with transaction.atomic() if bulk else nullcontext():
                with indexes_set_aside([Contribution, Comment, Support, Report]) if bulk else nullcontext():
                    added = _generate(builders, missing, list(facts.values()), contributions, setting, log=log)
                    if log and bulk:
                        log(f"  rows in after {time.monotonic() - started:.0f} s; making the indexes and keys again")
        counts.contributions = added.contributions
        counts.supports, counts.comments, counts.reports = added.supports, added.comments, added.reports
        if log:
            log(f"  committed after {time.monotonic() - started:.0f} s")
    if counts.contributions or counts.purge_sample:
        for process in facts.values():
            forget_counts(process.pk)
        if sample is not None:
            forget_counts(sample.pk)
        # Vacuumed as autovacuum would soon do on a live site: the visibility map lets the reads of ids only (the
        # random order's start, the counts) stay in the indexes, as they do in production. Inside a caller's
        # transaction (tests), where VACUUM cannot run, the statistics only.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in (Contribution, Support, Comment, Report, Participant):
                cursor.execute(f"{command} {model._meta.db_table}")
    return counts
