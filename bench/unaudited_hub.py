"""`hub` with the access audit left out: the audit rate's same-run baseline, never a setting of the hub itself.

    python -m bench.unaudited_hub serve --port 8001

The same requests run the same way up to the audit, which appends nothing; the read's transaction ends as that
of any request that selects no governed field. Comparing its rate with the audited hub's, in the same run on the
same machine, shows what the audit costs whatever else shares the CPU.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.cli import main
from schema.extensions import AccessAudit


def _unaudited(_extension: AccessAudit) -> Iterator[None]:
    yield


if __name__ == "__main__":
    AccessAudit.on_execute = _unaudited  # type: ignore[method-assign, assignment]
    main()
