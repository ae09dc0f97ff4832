"""The closed vocabularies of expert review: assignment states and sources, review states, the budget
opinion and the council vote. Pure; the values are the ones stored in the database and used by the API."""
from __future__ import annotations

import enum


class AssignmentStatus(enum.StrEnum):
    PROPOSED = "proposed"
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    RELEASED = "released"
    SUBMITTED = "submitted"


class AssignmentSource(enum.StrEnum):
    AUTO = "auto"
    MANUAL = "manual"
    RESERVE = "reserve"


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class BudgetOpinion(enum.StrEnum):
    """The expert's separate opinion on whether the budget is justified."""
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class VoteChoice(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    CONFLICT = "conflict"


# The names the code has always used.
PROPOSED, INVITED, ACCEPTED, DECLINED, RELEASED, SUBMITTED = AssignmentStatus
ACTIVE_ASSIGNMENT_STATES = (PROPOSED, INVITED, ACCEPTED, SUBMITTED)
