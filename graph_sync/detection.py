"""The graph side of detection runs: batched statements over many cadres at once.

`nominator_ties`: for (nominee, first nominator) pairs, the shortest chain of kinship and social ties between them
within `hops` (a classmate, a relative, a relative's associate...), only through ties that have not ended.
`neighbourhood_cadres`: the cadres whose findings a change to some nodes may alter: walked back along a conflict's
cycle from each changed node, and the nominees and nominators of open selections within two kinship or tie edges of a
changed person (a chain of up to three edges keeps every node within two edges of one of its ends).
Conflicts of interest in bulk are `queries.conflicts_of_interest_batch`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

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


# The cadres whose conflicts of interest a change to a node may alter, by the node's label: the cycle
# cadre -kin/tie- person -role- organization -SUPPLIES- unit -PART_OF- post -HOLDS- cadre, walked back from the node.
_CONFLICT_REACH = {
    "Cadre": "MATCH (c:Cadre {key: k})",
    "Person": "MATCH (:Person {key: k})-[:RELATIVE_OF|TIE]-(c:Cadre)",
    "Organization": "MATCH (:Organization {key: k})<-[:OWNS|DIRECTS|WORKS_AT]-(:Person)-[:RELATIVE_OF|TIE]-(c:Cadre)",
    "Unit": "MATCH (:Unit {key: k})<-[:PART_OF]-(:Post)<-[:HOLDS]-(c:Cadre)",
    "Post": "MATCH (:Post {key: k})<-[:HOLDS]-(c:Cadre)",
}
NEIGHBOURHOOD_QUERIES = {
    label: f"UNWIND $keys AS k\n{match}\nRETURN DISTINCT c.key AS cadre" for label, match in _CONFLICT_REACH.items()
}
# The watched cadres (nominees and first nominators of open selections) within two kinship or tie edges of a changed
# person or cadre: a chain of up to three such edges between the two may have changed.
TIE_REACH_TEXT = f"""
UNWIND $keys AS k
MATCH (:Person {{key: k}})-[:RELATIVE_OF|TIE*0..{NEIGHBOURHOOD_HOPS}]-(c:Cadre)
WHERE c.key IN $watched
RETURN DISTINCT c.key AS cadre
"""


def _label(key: str) -> str | None:
    try:
        kind, _record_id = parse_node_key(key)
    except ValueError:
        return None
    return "Cadre" if kind is NodeKind.CADRE else _PRIMARY_LABEL[kind]


_PRIMARY_LABEL = {kind: labels[0] for kind, labels in NODE_LABELS.items()}


def neighbourhood_cadres(
    driver: Driver, node_keys: Iterable[str], watched: Iterable[str] = (), *, timeout: float,
) -> tuple[set[int], set[int]]:  # fmt: skip
    """For changed nodes: (the cadres whose conflicts of interest may have changed, the `watched` cadres within two
    kinship or tie edges of a changed person or cadre)."""
    timeout = _check_timeout(timeout)
    by_label: dict[str, set[str]] = defaultdict(set)
    for key in node_keys:
        label = _label(key)
        if label is not None:
            by_label[label].add(key)
    reached: set[int] = set()
    for label, keys in by_label.items():
        reached.update(_cadre_ids(_read(driver, NEIGHBOURHOOD_QUERIES[label], {"keys": sorted(keys)}, timeout)))
    people = sorted(by_label.get("Cadre", set()) | by_label.get("Person", set()))
    watched_keys = sorted(set(watched))
    tied: set[int] = set()
    if people and watched_keys:
        tied = _cadre_ids(_read(driver, TIE_REACH_TEXT, {"keys": people, "watched": watched_keys}, timeout))
    return reached, tied


def _cadre_ids(records: Iterable[Any]) -> set[int]:
    return {parse_node_key(record["cadre"])[1] for record in records}
