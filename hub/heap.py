"""Keeping the garbage collector off the objects that live as long as the server: schemas, policy, ORM.

One graph answer allocates ~100k objects, so requests trigger full collections every few calls, and each
full collection walks every tracked object: with the full schema and the agencies' cut schemas alive that
is ~200k objects and 50-100 ms on a small machine, paid by whichever request happens to trigger it.
`settle` moves everything alive into the permanent generation (`gc.freeze`) once the server has started
and again after an agency's schema is compiled, so collections only walk what requests created. Frozen
objects are still freed when no longer referenced; only cycles among them wait until the next unfreeze.
A new policy version replaces the cut schemas (which are cyclic), so it unfreezes before collecting.
"""

from __future__ import annotations

import gc
import threading


class LongLivedHeap:
    """Freezes the long-lived objects of one server process (a no-op when disabled)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._policy_version: int | None = None
        self._lock = threading.Lock()

    def settle(self, policy_version: int) -> None:
        """Collect what is garbage now, then freeze the rest (the objects built for `policy_version`)."""
        if not self.enabled:
            return
        with self._lock:
            if self._policy_version is not None and self._policy_version != policy_version:
                gc.unfreeze()  # the previous version's schemas may be cyclic garbage by now
            gc.collect()
            gc.freeze()
            self._policy_version = policy_version
