"""Import-only aggregator of every model, for Alembic autogenerate and ``flask shell``."""
from app.accounts.models import (ApiToken, Organisation, PasswordResetToken, User,  # noqa: F401
                                 UserRole)
from app.core.audit import AuditEntry  # noqa: F401
from app.jobs.models import Job  # noqa: F401
from app.competitions.models import (Application, ApplicationMember, Attachment, BlockedPerson,  # noqa: F401
                                     Competition)
from app.notifications.models import Notification  # noqa: F401
from app.scoring.models import (Appeal, ConflictRecord, ConsensusReport, CouncilSession, Decision,  # noqa: F401
                                ExpertAssignment, ExpertProfile, Review, Vote)
from app.matching.models import Commitment, Introduction, InvestorProfile, MatchFeedback  # noqa: F401
from app.text.vectors import TextVector  # noqa: F401
