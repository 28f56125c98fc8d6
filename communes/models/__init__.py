from .communes import Commune, CommuneContact
from .conventions import (
    Convention,
    ConventionState,
    ConventionStatus,
    ConventionTextNotification,
    ConventionTextVersion,
    EndReason,
    JoinRequest,
    PipelineEntry,
    PipelineStage,
    ProviderContract,
    pipeline_by_commune,
)
from .pages import CommuneSpacePage, CommuneSpaceQuerySet
from .roles import CommuneGroup, CommuneRole

__all__ = [
    "Commune",
    "CommuneContact",
    "CommuneGroup",
    "CommuneRole",
    "CommuneSpacePage",
    "CommuneSpaceQuerySet",
    "Convention",
    "ConventionState",
    "ConventionStatus",
    "ConventionTextNotification",
    "ConventionTextVersion",
    "EndReason",
    "JoinRequest",
    "PipelineEntry",
    "PipelineStage",
    "ProviderContract",
    "pipeline_by_commune",
]
