"""The vetting and supervision workflows in GraphQL: one module per procedure of `hub.services.workflows`,
each with its types, inputs and resolvers, merged here into `WorkflowQueries` and `WorkflowMutations`.

Resolvers only translate: they build the acting agency from the request's access view, call
`hub.services.workflows`, and turn refusals into typed results (`steps`). Who may call what comes from the
policy (the agency's cut schema and, again, the services); which agencies a round or a joint
review asks comes from the compiled policy too, never from a name in this code.
"""

from strawberry.tools import merge_types

from schema.workflows.alerts import AlertQueries
from schema.workflows.appointments import AppointmentMutations, AppointmentQueries
from schema.workflows.cases import CaseMutations, CaseQueries
from schema.workflows.detection_alerts import DetectionAlertMutations, DetectionAlertQueries
from schema.workflows.fit import FitMutations, FitQueries
from schema.workflows.investigations import InvestigationMutations, InvestigationQueries
from schema.workflows.joint_review import JointReviewMutations, JointReviewQueries
from schema.workflows.ledger import LedgerQueries
from schema.workflows.matters_inquiries import MattersInquiryMutations, MattersInquiryQueries
from schema.workflows.personal_matters import PersonalMattersMutations, PersonalMattersQueries
from schema.workflows.rounds import RoundMutations, RoundQueries
from schema.workflows.screening import ScreeningQueries
from schema.workflows.supervision import SupervisionMutations, SupervisionQueries
from schema.workflows.verification import VerificationMutations

# The order of the parts is the order of the root fields in the SDL.
WorkflowQueries = merge_types("WorkflowQueries", (
    RoundQueries, ScreeningQueries, LedgerQueries, JointReviewQueries, PersonalMattersQueries, SupervisionQueries,
    AlertQueries, FitQueries, AppointmentQueries, MattersInquiryQueries, CaseQueries, DetectionAlertQueries,
    InvestigationQueries,
))
WorkflowMutations = merge_types("WorkflowMutations", (
    RoundMutations, VerificationMutations, JointReviewMutations, PersonalMattersMutations, SupervisionMutations,
    FitMutations, AppointmentMutations, MattersInquiryMutations, CaseMutations, DetectionAlertMutations,
    InvestigationMutations,
))

__all__ = ["WorkflowMutations", "WorkflowQueries"]
