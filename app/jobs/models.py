"""A background job's row: what to run, its state and progress, its result. The row is the outbox:
it is written in the same transaction as the work that asks for it, and handed to Redis after commit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, db, utcnow

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_enqueued", "status", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    func: Mapped[str] = mapped_column(String(200), nullable=False)
    args: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    queue: Mapped[str] = mapped_column(String(32), default="default", nullable=False)
    title: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, nullable=False, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    message: Mapped[str] = mapped_column(Text, default="", nullable=False)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    def _live(self) -> tuple[int, str] | None:
        if self.status != RUNNING:
            return None
        from app.jobs.runner import live_progress
        return live_progress(self.id)

    @property
    def current_progress(self) -> int:
        """The row's progress, or the newer one a job running in this process reported (on SQLite the row
        cannot take it while the job's own writes hold the lock)."""
        live = self._live()
        return max(self.progress, live[0]) if live else self.progress

    @property
    def current_message(self) -> str:
        live = self._live()
        return live[1] if live and live[0] >= self.progress else self.message

    def as_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title, "status": self.status, "progress": self.current_progress,
            "message": self.current_message, "result": self.result, "error": self.error,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }
