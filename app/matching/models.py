"""Investor profiles, feedback, introductions and commitments (text vectors: ``app.text.vectors``)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import get_locale
from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TimestampMixin, UTCDateTime, db

INVESTOR_TYPES = ("venture_fund", "territory_fund", "corporate", "angel", "state_fund", "development_institution")


class InvestorProfile(TimestampMixin, db.Model):
    __tablename__ = "investor_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(32), default="venture_fund", nullable=False)
    thesis: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)  # {"ru", "kk", "en"}
    sectors: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    priorities: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    trl_min: Mapped[int | None] = mapped_column(Integer)
    trl_max: Mapped[int | None] = mapped_column(Integer)
    ticket_min_kzt: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    ticket_max_kzt: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    regions: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    territories: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    stage: Mapped[str | None] = mapped_column(String(32))
    portfolio: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    requires_nda: Mapped[bool] = mapped_column(default=False, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])

    @property
    def thesis_text(self) -> str:
        """All the thesis versions: the matcher reads every language."""
        return "\n".join(v for v in (self.thesis or {}).values() if v)

    def thesis_in(self, lang: str | None = None) -> str:
        lang = lang or str(get_locale() or "ru")
        return (self.thesis or {}).get(lang) or (self.thesis or {}).get("ru") or next(
            iter((self.thesis or {}).values()), "")


class MatchFeedback(TimestampMixin, db.Model):
    __tablename__ = "match_feedback"
    __table_args__ = (UniqueConstraint("investor_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    investor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True, nullable=False)
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)  # interested / not_relevant
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)  # the project as it was judged


class Introduction(TimestampMixin, db.Model):
    __tablename__ = "introductions"
    __table_args__ = (UniqueConstraint("investor_id", "application_id"),)

    REQUESTED, ACCEPTED, DECLINED = "requested", "accepted", "declined"

    id: Mapped[int] = mapped_column(primary_key=True)
    investor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="requested", nullable=False, index=True)
    message: Mapped[str] = mapped_column(Text, default="", nullable=False)
    answer: Mapped[str] = mapped_column(Text, default="", nullable=False)
    nda_required: Mapped[bool] = mapped_column(default=False, nullable=False)
    nda_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application = relationship("Application")
    investor = relationship("User")


class Commitment(TimestampMixin, db.Model):
    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id"), index=True, nullable=False)
    investor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True, nullable=False)
    amount_kzt: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    territory: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
