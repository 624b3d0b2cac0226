"""Kin in one unit or in the line of command, batch by batch: a pair is found in every batch holding either of its
cadres, whether they share a relative or one is the other's relative, and never through a tie that has ended."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub import models
from hub.models import enums as E
from hub.services.detection.detectors import Batch, kin_in_same_unit
from hub.services.detection.scope import CadreSet

AS_OF = date(2026, 6, 1)
CADRES = (1, 2, 3, 4)
# Current posts in the known world: cadres 1 and 2 in unit 1, cadre 3 in unit 2, cadre 4 in unit 3 (under unit 1 here).
EXPECTED = {(1, 2, "same_unit", "person:1"), (1, 4, "line_of_command", "person:50")}


def _kin(world: Engine) -> None:
    with Session(world) as session, session.begin():
        fourth = session.get(models.Cadre, 4)
        unit = session.get(models.Unit, 3)
        assert fourth is not None and unit is not None
        unit.parent_id = 1
        session.add(models.Person(id=50, name="钱伟", gender=E.Gender.MALE, id_number=fourth.id_number,
                                  jurisdiction=fourth.jurisdiction))  # cadre 4 himself
        session.flush()
        session.add_all([
            models.Kinship(id=20, cadre_id=2, person_id=1, kind=E.KinshipKind.SIBLING_IN_LAW),  # shares cadre 1's spouse
            models.Kinship(id=21, cadre_id=1, person_id=50, kind=E.KinshipKind.SIBLING),
            models.Kinship(id=22, cadre_id=3, person_id=1, kind=E.KinshipKind.SIBLING,  # ended: no finding for 3
                           start_date=date(2001, 1, 1), end_date=date(2020, 1, 1)),
        ])


def _found(world: Engine, batch: tuple[int, ...]) -> set[tuple[int, int, str, str]]:
    with Session(world) as session:
        findings = kin_in_same_unit(Batch(session, None, CadreSet().with_ids(frozenset(batch)), AS_OF), list(batch))
    found = set()
    for finding in findings:
        first, second = (int(key.split(":")[1]) for key in finding.evidence["cadres"])
        found.add((first, second, finding.evidence["relation"], finding.evidence["via"]))
    return found


@pytest.mark.parametrize("batches", [(CADRES,), tuple((cadre,) for cadre in CADRES), ((4, 3), (2, 1)), ((1, 3), (2, 4))],
                         ids=["one", "each", "reversed pairs", "split pairs"])
def test_each_pair_is_found_in_every_batch_holding_either_cadre(world: Engine, batches: tuple[tuple[int, ...], ...]) -> None:
    _kin(world)
    seen: set[tuple[int, int, str, str]] = set()
    for batch in batches:
        found = _found(world, batch)
        assert found == {pair for pair in EXPECTED if pair[0] in batch or pair[1] in batch}, batch
        seen |= found
    assert seen == EXPECTED
