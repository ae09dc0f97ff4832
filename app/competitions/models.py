"""Competitions (calls) and applications, with their team, attachments and formal check."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import get_locale
from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime, db

from app.competitions.states import (  # noqa: F401  (the states, re-exported for the code that imports them here)
    A_ADMITTED, A_DRAFT, A_FUNDED, A_NOT_FUNDED, A_REJECTED, A_RESERVE, A_SUBMITTED, A_WITHDRAWN, APPLICATION_STATES,
    ARCHIVED, CATEGORIES, CLOSED, COMPETITION_STATES, COUNCIL, DRAFT, INSTRUMENTS, OPEN, PUBLISHED, RESULTS, REVIEW,
    ApplicantCategory, ApplicationStatus, CompetitionStatus, Instrument)
LANGS = ("ru", "kk", "en")

Money = Numeric(18, 2)


class Competition(TimestampMixin, db.Model):
    __tablename__ = "competitions"
    __table_args__ = (Index("ix_competitions_status_region", "status", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[dict] = mapped_column(JSON, nullable=False)  # {"ru": ..., "kk": ..., "en": ...}
    description: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    instrument: Mapped[str] = mapped_column(String(24), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, nullable=False, index=True)
    region_code: Mapped[str | None] = mapped_column(String(32), index=True)  # None: national (МНВО)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    review_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    council_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    budget_kzt: Mapped[Decimal] = mapped_column(Money, default=0, nullable=False)
    max_grant_kzt: Mapped[Decimal | None] = mapped_column(Money)
    max_duration_months: Mapped[int | None] = mapped_column(Integer)
    trl_min: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    trl_max: Mapped[int] = mapped_column(Integer, default=9, nullable=False)
    require_accreditation: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    experts_per_application: Mapped[int] = mapped_column(Integer, default=3, nullable=False)
    min_foreign: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    irn_prefix: Mapped[str] = mapped_column(String(4), nullable=False)
    # The rest of the rules, all configurable per competition (see services.RULE_DEFAULTS).
    rules: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    criteria: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    closed_early_reason: Mapped[str | None] = mapped_column(Text)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")

    def title_in(self, lang: str | None = None) -> str:
        lang = lang or str(get_locale() or "ru")
        return self.title.get(lang) or self.title.get("ru") or next(iter(self.title.values()), "")

    @property
    def display_title(self) -> str:
        return self.title_in()

    @property
    def is_national(self) -> bool:
        return self.region_code is None

    def accepts_changes(self, now: datetime) -> bool:
        """Applications may be created, edited and submitted only while open and before the deadline."""
        return self.status == OPEN and self.deadline is not None and now < self.deadline

    def __repr__(self):
        return f"<Competition {self.id} {self.instrument} {self.status}>"


class Application(TimestampMixin, db.Model):
    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_competition_status", "competition_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competitions.id"), index=True, nullable=False)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=A_DRAFT, nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    language: Mapped[str] = mapped_column(String(2), default="ru", nullable=False)
    title: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    abstract: Mapped[str] = mapped_column(Text, default="", nullable=False)
    translations: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # {lang: {title, abstract}}
    keywords: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    priority: Mapped[int | None] = mapped_column(Integer, index=True)
    territory: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(32), index=True)
    applicant_category: Mapped[str] = mapped_column(String(16), default="scientist", nullable=False)
    requested_kzt: Mapped[Decimal] = mapped_column(Money, default=0, nullable=False)
    budget_by_year: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    cofinancing_kzt: Mapped[Decimal] = mapped_column(Money, default=0, nullable=False)
    cofinancing_source: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    planned: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    ip_held: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    investor_visible: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, index=True)
    share_score_band: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    trl_claimed: Mapped[int | None] = mapped_column(Integer, index=True)
    trl_evidence: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    trl_verified: Mapped[int | None] = mapped_column(Integer)
    excluded_experts: Mapped[list] = mapped_column(JSON, default=list, nullable=False)

    irn: Mapped[str | None] = mapped_column(String(16), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    receipt_sha256: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    org_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    org_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    formal_passed: Mapped[bool | None] = mapped_column(Boolean)
    formal_reasons: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    formal_checklist: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    formal_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    formal_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    awarded_kzt: Mapped[Decimal | None] = mapped_column(Money)

    competition: Mapped[Competition] = relationship(lazy="joined")
    leader = relationship("User", foreign_keys=[leader_id])
    organisation = relationship("Organisation")
    members: Mapped[list[ApplicationMember]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationMember.id")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Attachment.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def trl(self) -> int | None:
        """The TRL that counts: the experts' verified level once it exists, else the claimed one."""
        return self.trl_verified if self.trl_verified is not None else self.trl_claimed

    def title_in(self, lang: str | None = None) -> str:
        lang = lang or str(get_locale() or "ru")
        if lang != self.language and (self.translations.get(lang) or {}).get("title"):
            return self.translations[lang]["title"]
        return self.title

    def abstract_in(self, lang: str | None = None) -> str:
        lang = lang or str(get_locale() or "ru")
        if lang != self.language and (self.translations.get(lang) or {}).get("abstract"):
            return self.translations[lang]["abstract"]
        return self.abstract

    @property
    def display_title(self) -> str:
        return self.title_in() or f"#{self.id}"

    def __repr__(self):
        return f"<Application {self.id} {self.status} {self.irn}>"


class ApplicationMember(db.Model):
    __tablename__ = "application_members"
    __table_args__ = (UniqueConstraint("application_id", "email"),)

    INVITED, CONFIRMED, DECLINED = "invited", "confirmed", "declined"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True,
                                                nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    role: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="invited", nullable=False)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="members")
    user = relationship("User")


class Attachment(db.Model):
    """A PDF stored outside the web root under a generated name; served only to those allowed."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True,
                                                nullable=False)
    doc_type: Mapped[str] = mapped_column(String(48), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    application: Mapped[Application] = relationship(back_populates="attachments")


class BlockedPerson(TimestampMixin, db.Model):
    """The registry of unscrupulous project leaders and experts: blocked from applying or reviewing."""

    __tablename__ = "blocked_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # "leader" or "expert"
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])
