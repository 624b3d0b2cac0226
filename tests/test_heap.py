"""The server freezes its long-lived objects after start and per policy version, and only when enabled."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.heap import YOUNG_GENERATION_THRESHOLD, LongLivedHeap


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()  # the rest of the test run collects as usual
    gc.set_threshold(*thresholds)


def test_disabled_freezes_nothing() -> None:
    before = gc.get_threshold()
    LongLivedHeap(enabled=False).settle(1)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_settle_freezes_what_is_alive_and_collects_the_young_less_often() -> None:
    older = gc.get_threshold()[1:]
    heap = LongLivedHeap(enabled=True)
    heap.settle(1)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *older)


def test_a_new_policy_version_collects_the_old_cycles() -> None:
    class Schema:
        def __init__(self) -> None:
            self.me = self  # cut schemas are full of cycles

    heap = LongLivedHeap(enabled=True)
    old = Schema()
    heap.settle(1)
    collected: list[bool] = []
    weakref.finalize(old, collected.append, True)
    del old
    heap.settle(1)  # the same version: frozen cycles stay
    assert collected == []
    heap.settle(2)  # a new version: unfrozen, then collected
    assert collected == [True]
