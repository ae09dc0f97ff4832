"""The append-only audit trail: who did what to which object, when, with before and after.

No code path updates or deletes an entry: the mapper refuses it here, and on PostgreSQL a trigger
(created by the migration) refuses it in the database too.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import time as clock
from app.core.db import UTCDateTime, db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[int | None]
    scope_id: Mapped[int | None] = mapped_column(index=True)  # e.g. the competition the object belongs to
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(2000))

    actor = relationship("User", lazy="joined")


class AuditIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditIsAppendOnly("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditIsAppendOnly("audit entries cannot be deleted")


def record(actor, action: str, obj: Any = None, *, object_type: str | None = None,
           object_id: int | None = None, scope_id: int | None = None, before: dict | None = None,
           after: dict | None = None, reason: str | None = None) -> AuditEntry:
    """Add an audit entry to the current unit of work (the caller commits)."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__.lower())
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditEntry(
        at=clock.now(), actor_id=getattr(actor, "id", None), action=action,
        object_type=object_type or "system", object_id=object_id, scope_id=scope_id,
        before=before, after=after, reason=reason,
    )
    db.session.add(entry)
    return entry
