"""What each user and each agency spent in a time window, shared by every hub process through the database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.models.base import Base

WINDOW_NUMBER = BigInteger().with_variant(Integer(), "sqlite")


class UsageWindow(Base):
    """Graph milliseconds reserved or spent by one subject (`user:<agency>:<user>` or `agency:<agency>`) in one window.

    A window is numbered by its start in Unix time divided by its length; rows of past windows are pruned.
    """

    __tablename__ = "usage_window"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(WINDOW_NUMBER, primary_key=True)
    graph_ms: Mapped[int] = mapped_column(BigInteger, default=0)
