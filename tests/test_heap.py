"""The server freezes its long-lived objects after start and per policy version, and only when enabled."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.heap import LongLivedHeap


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test run collects as usual


def test_disabled_freezes_nothing() -> None:
    LongLivedHeap(enabled=False).settle(1)
    assert gc.get_freeze_count() == 0


def test_settle_freezes_what_is_alive() -> None:
    heap = LongLivedHeap(enabled=True)
    heap.settle(1)
    assert gc.get_freeze_count() > 0


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
