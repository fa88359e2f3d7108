"""The studies app's models, by feature; import them from here."""

from studies.models.core import (
    Consent,
    ConsentDocument,
    ConsentItem,
    ContactDetails,
    Interview,
    Participant,
    QuotaStage,
    Role,
    Study,
    StudyMembership,
)
from studies.models.guide import GuideQuestion, InterviewNote
from studies.models.incentives import CompensationPlan, Incentive, PaymentMethod
from studies.models.messaging import MessageTemplate
from studies.models.outbox import OutboxMessage
from studies.models.safety import CrisisResource, DistressProtocol, SafetyContact, SafetyEvent
from studies.models.scheduling import Slot
from studies.models.screening import (
    EligibilityRule,
    Question,
    Questionnaire,
    QuestionnaireNotice,
    QuestionnaireVersion,
    ScreeningResponse,
    Section,
    Stratum,
)
from studies.models.team import TeamInvitation

__all__ = [
    "CompensationPlan",
    "Consent",
    "ConsentDocument",
    "ConsentItem",
    "ContactDetails",
    "CrisisResource",
    "DistressProtocol",
    "EligibilityRule",
    "GuideQuestion",
    "Incentive",
    "Interview",
    "InterviewNote",
    "MessageTemplate",
    "OutboxMessage",
    "Participant",
    "PaymentMethod",
    "Question",
    "Questionnaire",
    "QuestionnaireNotice",
    "QuestionnaireVersion",
    "QuotaStage",
    "Role",
    "SafetyContact",
    "SafetyEvent",
    "ScreeningResponse",
    "Section",
    "Slot",
    "Stratum",
    "Study",
    "StudyMembership",
    "TeamInvitation",
]
