"""The graph side of detection runs: batched statements over many cadres at once.

`nominator_ties`: for (nominee, first nominator) pairs, the shortest chain of kinship and social ties between them
within `hops` (a classmate, a relative, a relative's associate...), only through ties that have not ended.
`neighbourhood_cadres`: the cadres within two edges of changed nodes, whose findings a change may alter (a
conflict's cycle and a tie chain of up to three edges keep every node within two edges of a cadre they concern).
Conflicts of interest in bulk are `queries.conflicts_of_interest_batch`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from neo4j import Driver

from graph_sync.access import EVERYTHING
from graph_sync.model import NODE_LABELS, EdgeKind, NodeKind, parse_node_key
from graph_sync.queries import GraphPath, _check_int, _check_timeout, _edge_map, _path, _read

TIE_KINDS = (EdgeKind.RELATIVE_OF, EdgeKind.TIE)
MAX_TIE_HOPS = 4
NEIGHBOURHOOD_HOPS = 2


@dataclass(frozen=True)
class NominationPair:
    nomination_id: int
    nominee: str  # cadre key
    nominator: str  # cadre key


@dataclass(frozen=True)
class NominatorTie:
    pair: NominationPair
    path: GraphPath  # nominee first, nominator last


def _ties_text(hops: int) -> str:
    # Unscoped: the detection runner reads every node (the row-scope predicates would take seconds to plan).
    step = "(()-[r]-(x) WHERE type(r) IN $tie_kinds AND (r.endDate IS NULL OR r.endDate >= $as_of))"
    return f"""
UNWIND $pairs AS pair
MATCH (a:Person {{key: pair.nominee}}), (b:Person {{key: pair.nominator}})
MATCH p = ANY SHORTEST (a){step}{{1,{hops}}}(b)
RETURN pair.nomination AS nomination, [n IN nodes(p) | properties(n)] AS nodes,
  [e IN relationships(p) | {_edge_map("e")}] AS edges
ORDER BY nomination
"""


TIES_QUERIES = {hops: _ties_text(hops) for hops in range(1, MAX_TIE_HOPS + 1)}


def nominator_ties(
    driver: Driver, pairs: Sequence[NominationPair], *, hops: int, as_of: date, timeout: float,
) -> list[NominatorTie]:  # fmt: skip
    """For the detection runner: through every node, with every property."""
    hops = _check_int("hops", hops, MAX_TIE_HOPS)
    timeout = _check_timeout(timeout)
    if not pairs:
        return []
    by_id = {pair.nomination_id: pair for pair in pairs}
    parameters = {
        "tie_kinds": sorted(kind.value for kind in TIE_KINDS), "as_of": as_of.isoformat(),
        "pairs": [{"nomination": p.nomination_id, "nominee": p.nominee, "nominator": p.nominator} for p in pairs],
    }  # fmt: skip
    return [
        NominatorTie(pair=by_id[record["nomination"]], path=_path(EVERYTHING, record["nodes"], record["edges"]))
        for record in _read(driver, TIES_QUERIES[hops], parameters, timeout)
    ]


def _neighbourhood_text(label: str) -> str:
    return f"""
UNWIND $keys AS k
MATCH (n:{label} {{key: k}})
MATCH (n)-[*0..{NEIGHBOURHOOD_HOPS}]-(c:Cadre)
RETURN DISTINCT c.key AS cadre
"""


_PRIMARY_LABEL = {kind: labels[0] for kind, labels in NODE_LABELS.items()}
NEIGHBOURHOOD_QUERIES = {label: _neighbourhood_text(label) for label in set(_PRIMARY_LABEL.values())}


def neighbourhood_cadres(driver: Driver, node_keys: Iterable[str], *, timeout: float) -> set[int]:
    """Ids of the cadres within two edges of any of `node_keys` (those cadres included)."""
    timeout = _check_timeout(timeout)
    by_label: dict[str, set[str]] = defaultdict(set)
    for key in node_keys:
        try:
            kind, _record_id = parse_node_key(key)
        except ValueError:
            continue
        by_label[_PRIMARY_LABEL[kind]].add(key)
    found: set[int] = set()
    for label, keys in by_label.items():
        for record in _read(driver, NEIGHBOURHOOD_QUERIES[label], {"keys": sorted(keys)}, timeout):
            kind, record_id = parse_node_key(record["cadre"])
            if kind is NodeKind.CADRE:
                found.add(record_id)
    return found
