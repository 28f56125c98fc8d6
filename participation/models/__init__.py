"""Participatory processes (Wagtail pages) and what citizens bring to them (plain Django models)."""

from .abuse import RateLimitCounter
from .contributions import (
    CONTRIBUTION_MAX_LENGTH,
    CONTRIBUTION_MIN_LENGTH,
    PSEUDONYM_MAX_LENGTH,
    PUBLIC_STATUSES,
    RETAINED_ANSWERS,
    AnswerStatus,
    Appeal,
    AppealOutcome,
    Contribution,
    ContributionLogEntry,
    ContributionQuerySet,
    ContributionStatus,
    KeyedByEmailMixin,
    Report,
    contributor_key,
)
from .engagement import COMMENT_MAX_LENGTH, COMMENT_MIN_LENGTH, Comment, Participant, ProcessFollow, Support
from .events import EventRegistration
from .notifications import FollowerNotice, FollowerNoticeKind
from .processes import (
    Audience,
    ModerationMode,
    ProcessPage,
    ProcessPageQuerySet,
    ProcessPhase,
    ProcessState,
    Theme,
    open_first,
)
from .questionnaires import QuestionnaireField, QuestionnairePage

__all__ = [
    "COMMENT_MAX_LENGTH",
    "COMMENT_MIN_LENGTH",
    "CONTRIBUTION_MAX_LENGTH",
    "CONTRIBUTION_MIN_LENGTH",
    "PSEUDONYM_MAX_LENGTH",
    "PUBLIC_STATUSES",
    "RETAINED_ANSWERS",
    "AnswerStatus",
    "Appeal",
    "AppealOutcome",
    "Audience",
    "Comment",
    "Contribution",
    "ContributionLogEntry",
    "ContributionQuerySet",
    "ContributionStatus",
    "EventRegistration",
    "FollowerNotice",
    "FollowerNoticeKind",
    "KeyedByEmailMixin",
    "ModerationMode",
    "Participant",
    "ProcessPage",
    "ProcessFollow",
    "ProcessPageQuerySet",
    "ProcessPhase",
    "ProcessState",
    "QuestionnaireField",
    "QuestionnairePage",
    "RateLimitCounter",
    "Report",
    "Support",
    "Theme",
    "contributor_key",
    "open_first",
]
