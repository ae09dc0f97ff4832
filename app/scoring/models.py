"""Expert registry, assignments, conflicts, reviews, consensus, council sessions, votes, decisions, appeals."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime, db

from app.scoring.states import (  # noqa: F401  (the states, re-exported for the code that imports them here)
    ACCEPTED, ACTIVE_ASSIGNMENT_STATES, DECLINED, INVITED, PROPOSED, RELEASED, SUBMITTED, AssignmentSource,
    AssignmentStatus, ReviewStatus)


class ExpertProfile(TimestampMixin, db.Model):
    __tablename__ = "expert_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True, nullable=False)
    organisation: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    country: Mapped[str] = mapped_column(String(64), default="Kazakhstan", nullable=False)
    foreign: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, index=True)
    languages: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    keywords: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    priorities: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    texts: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    max_load: Mapped[int] = mapped_column(Integer, default=8, nullable=False)

    user = relationship("User", lazy="joined")

    @property
    def name(self) -> str:
        return self.user.name or self.user.email


class ExpertAssignment(TimestampMixin, db.Model):
    __tablename__ = "expert_assignments"
    __table_args__ = (UniqueConstraint("application_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True, nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True, nullable=False)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default=PROPOSED, nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(16), default=AssignmentSource.AUTO, nullable=False)
    affinity: Mapped[float | None] = mapped_column(Float)
    shared_terms: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application = relationship("Application")
    expert = relationship("User")
    review: Mapped[Review | None] = relationship(back_populates="assignment", uselist=False)


class ConflictRecord(db.Model):
    """Every conflict of interest, detected or declared, with its reason (shown to the operator)."""

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("application_id", "expert_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True, nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True, nullable=False)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # detected / declared
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Review(TimestampMixin, db.Model):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("expert_assignments.id"), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.DRAFT, nullable=False, index=True)
    scores: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    comments: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    overall_comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    trl_verified: Mapped[int | None] = mapped_column(Integer)
    trl_comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    budget_justified: Mapped[str | None] = mapped_column(String(16))  # yes / partly / no
    budget_comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    assignment: Mapped[ExpertAssignment] = relationship(back_populates="review")

    __mapper_args__ = {"version_id_col": version}


class ConsensusReport(TimestampMixin, db.Model):
    __tablename__ = "consensus_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True, nullable=False)
    rapporteur_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    majority: Mapped[str] = mapped_column(Text, nullable=False)
    minority: Mapped[str] = mapped_column(Text, default="", nullable=False)
    scores: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)


class CouncilSession(TimestampMixin, db.Model):
    __tablename__ = "council_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), unique=True, nullable=False)
    secretary_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    members: Mapped[list] = mapped_column(JSON, default=list, nullable=False)      # user ids of the council
    attendees: Mapped[list] = mapped_column(JSON, default=list, nullable=False)    # user ids present
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="", nullable=False)


class Vote(db.Model):
    __tablename__ = "council_votes"
    __table_args__ = (UniqueConstraint("session_id", "application_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("council_sessions.id"), index=True, nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True, nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    choice: Mapped[str] = mapped_column(String(8), nullable=False)  # for / against / abstain / conflict
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Decision(db.Model):
    __tablename__ = "council_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("council_sessions.id"), index=True, nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True, nullable=False)
    funded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    amount_kzt: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    votes_for: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    votes_against: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    votes_abstain: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Appeal(TimestampMixin, db.Model):
    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True, nullable=False)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
