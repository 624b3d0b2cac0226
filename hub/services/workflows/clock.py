"""Today's date where the cadres work: deadlines and "recent" are counted in China Standard Time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(LOCAL_ZONE).date()


def now() -> datetime:
    return datetime.now(UTC)
