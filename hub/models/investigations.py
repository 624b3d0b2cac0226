"""Saved investigations: a drawn subgraph, its layout and notes, saved to a case and shared within the agency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base, utcnow


class SavedInvestigation(Base):
    """调查存档: what an investigator drew, kept with the case; read by the agency that saved it only."""

    __tablename__ = "saved_investigation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    author_user: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    subgraph: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"nodes": [...], "edges": [...], "root": [...]}
    layout: Mapped[dict[str, Any]] = mapped_column(JSON)  # node id -> {"x": .., "y": ..}
