"""The deterministic demo data generator (hub.seed): determinism, validity, proportions."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from hub.db import make_engine
from hub.migrate import upgrade
from hub.models import (
    Cadre,
    Kinship,
    MatterItem,
    NegativeRecord,
    Nomination,
    Organization,
    OrganizationRole,
    PartTimePosition,
    Person,
    PersonalMattersReport,
    Post,
    Selection,
    SocialTie,
    SupervisionAction,
    SupplyContract,
    Tenure,
    Unit,
)
from hub.models.base import Base
from hub.seed import REFERENCE_DATE, SeedError, SeedSummary, seed_database
from hub.seed.generator import TABLES, _Generator, credit_code
from hub.settings import Settings
from hub.validation import validate_id_number

N = 1000
MODELS = (
    Unit, Post, Organization, Cadre, Person, Kinship, SocialTie, Tenure, OrganizationRole,
    PartTimePosition, SupplyContract, NegativeRecord, PersonalMattersReport, MatterItem,
    SupervisionAction, Selection, Nomination,
)
AGENCY_OF = {
    "discipline_sanction": "discipline", "case_filed": "discipline",
    "public_order": "police", "improper_speech": "police",
    "litigation": "court", "criminal_exemption": "court",
    "prosecution": "procuratorate",
    "audit_finding": "audit", "financial_discipline": "audit",
    "petition_report": "petition",
    "family_planning": "org", "ineffective_work": "org", "dereliction": "org", "other_violation": "org",
}


def _migrated(path: Path) -> Engine:
    engine = make_engine(Settings(var_dir=path.parent, database_url=f"sqlite:///{path}"))
    upgrade(engine)
    return engine


def _seeded(path: Path, cadres: int, seed: int = 7, batch_size: int = 2000) -> tuple[Engine, SeedSummary]:
    engine = _migrated(path)
    summary = seed_database(engine, cadres=cadres, seed=seed, batch_size=batch_size, progress=False)
    return engine, summary


def _digests(engine: Engine) -> dict[str, str]:
    """A hash of every seeded table, rows ordered by id."""
    result = {}
    with engine.connect() as connection:
        for name in TABLES:
            table = Base.metadata.tables[name]
            digest = hashlib.sha256()
            for row in connection.execute(select(table).order_by(table.c.id)):
                digest.update(repr(tuple(row)).encode())
            result[name] = digest.hexdigest()
    return result


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, SeedSummary]]:
    engine, summary = _seeded(tmp_path_factory.mktemp("seed") / "a.db", N)
    yield engine, summary
    engine.dispose()


def _scalar(engine: Engine, sql: str) -> float:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


# --- determinism -----------------------------------------------------------------------------------


def test_same_arguments_give_identical_data(seeded: tuple[Engine, SeedSummary], tmp_path: Path) -> None:
    engine, summary = seeded
    other, other_summary = _seeded(tmp_path / "b.db", N)
    try:
        assert other_summary == summary
        assert _digests(other) == _digests(engine)
    finally:
        other.dispose()


def test_batch_size_does_not_change_the_data(tmp_path: Path) -> None:
    one, _ = _seeded(tmp_path / "one.db", 300, batch_size=2000)
    many, _ = _seeded(tmp_path / "many.db", 300, batch_size=37)
    try:
        assert _digests(many) == _digests(one)
    finally:
        one.dispose()
        many.dispose()


def test_a_different_seed_gives_different_data(tmp_path: Path) -> None:
    first, _ = _seeded(tmp_path / "s7.db", 300, seed=7)
    second, _ = _seeded(tmp_path / "s8.db", 300, seed=8)
    try:
        a, b = _digests(first), _digests(second)
        assert a["cadre"] != b["cadre"] and a["person"] != b["person"]
    finally:
        first.dispose()
        second.dispose()


# --- refusal ---------------------------------------------------------------------------------------


def test_seeding_a_non_empty_database_is_refused(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, summary = seeded
    with pytest.raises(SeedError, match="already holds"):
        seed_database(engine, cadres=10, progress=False)
    assert _scalar(engine, "SELECT count(*) FROM cadre") == summary.counts["cadre"]


def test_seeding_an_unmigrated_database_is_refused(tmp_path: Path) -> None:
    engine = make_engine(Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    try:
        with pytest.raises(SeedError, match="not migrated"):
            seed_database(engine, cadres=10, progress=False)
    finally:
        engine.dispose()


def test_smallest_run_works(tmp_path: Path) -> None:
    engine, summary = _seeded(tmp_path / "small.db", 100)
    try:
        assert summary.counts["cadre"] == 100
        assert summary.counts["unit"] >= 10
        assert _scalar(engine, "SELECT count(DISTINCT jurisdiction) FROM unit") == 6
    finally:
        engine.dispose()


# --- validity --------------------------------------------------------------------------------------


def test_summary_counts_match_the_tables(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, summary = seeded
    assert list(summary.counts) == list(TABLES)
    for table, count in summary.counts.items():
        assert _scalar(engine, f"SELECT count(*) FROM {table}") == count, table
        assert _scalar(engine, f"SELECT coalesce(max(id), 0) FROM {table}") == count, table
    assert summary.counts["cadre"] == N


def test_id_numbers_are_valid_and_match_birth_dates(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    with engine.connect() as connection:
        people = [
            *connection.execute(text("SELECT id_number, birth_date, gender, 'cadre' FROM cadre")),
            *connection.execute(text("SELECT id_number, birth_date, gender, 'person' FROM person WHERE id_number IS NOT NULL")),
        ]
    assert len(people) > 5 * N
    for id_number, birth, gender, kind in people:
        assert validate_id_number(id_number) == id_number
        assert id_number[6:14] == str(birth).replace("-", "")
        assert int(id_number[16]) % 2 == (1 if gender == "male" else 0)
        if kind == "cadre":
            assert id_number.startswith("3305")


def test_orm_loads_every_row_and_invariants_hold(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    with Session(engine) as session:
        for model in MODELS:
            assert session.scalars(select(model)).all(), model.__name__  # enums and types parse
        cadres = {cadre.id: cadre for cadre in session.scalars(select(Cadre))}
        posts = {post.id: post for post in session.scalars(select(Post))}
        units = {unit.id: unit for unit in session.scalars(select(Unit))}
        for cadre in cadres.values():
            assert validate_id_number(cadre.id_number) == cadre.id_number
            eighteen = date(cadre.birth_date.year + 18, cadre.birth_date.month, min(cadre.birth_date.day, 28))
            if cadre.party_join_date is not None:
                assert cadre.party_join_date >= eighteen
                assert cadre.party_join_date <= REFERENCE_DATE
            assert cadre.work_start_date >= eighteen
            assert cadre.work_start_date <= REFERENCE_DATE
            city = cadre.rank.value in ("division", "deputy_division")
            assert cadre.management_level.value == ("city" if city else "county")
            assert (cadre.jurisdiction == "huzhou") == city
            assert units[cadre.unit_id].jurisdiction == cadre.jurisdiction
            assert 25 <= (REFERENCE_DATE - cadre.birth_date).days / 365.25 < 60
        for person in session.scalars(select(Person)):
            if person.id_number is not None:
                assert validate_id_number(person.id_number) == person.id_number
                assert person.birth_date is not None
        for post in posts.values():
            weights = post.requirements
            assert list(weights) == ["political_quality", "professional_ability", "responsibility", "performance", "reputation"]
            assert sum(weights.values()) == pytest.approx(1.0)
            assert all(value > 0 for value in weights.values())
            assert 1 <= post.quota <= 3
        # Tenures: consecutive, the last one open and on a post of the cadre's unit and rank.
        by_cadre: dict[int, list[Tenure]] = {}
        for tenure in session.scalars(select(Tenure).order_by(Tenure.cadre_id, Tenure.start_date)):
            assert tenure.end_date is None or tenure.end_date >= tenure.start_date
            assert tenure.start_date >= cadres[tenure.cadre_id].work_start_date
            by_cadre.setdefault(tenure.cadre_id, []).append(tenure)
        assert set(by_cadre) == set(cadres)
        for cadre_id, chain in by_cadre.items():
            assert 1 <= len(chain) <= 4
            assert [tenure.end_date is None for tenure in chain] == [False] * (len(chain) - 1) + [True]
            for before, after in itertools.pairwise(chain):
                assert (after.start_date - before.end_date).days == 1
            current = posts[chain[-1].post_id]
            assert current.unit_id == cadres[cadre_id].unit_id
            assert current.rank == cadres[cadre_id].rank
        for record in session.scalars(select(NegativeRecord)):
            assert record.reported_on >= record.occurred_on
            assert record.reported_on <= REFERENCE_DATE
            assert record.reporting_agency == AGENCY_OF[record.category.value]
            assert (record.conclusion is None) == (record.status.value in ("reported", "verifying"))
        for item in session.scalars(select(MatterItem)):
            assert item.declared or item.found
        for action in session.scalars(select(SupervisionAction)):
            assert action.due_on is None or action.due_on >= action.issued_on
            assert action.replied_on is None or action.replied_on >= action.issued_on
            assert (action.reply is None) == (action.replied_on is None)
        for role in session.scalars(select(OrganizationRole)):
            assert (role.person_id is None) != (role.cadre_id is None)
        for tie in session.scalars(select(SocialTie)):
            assert (tie.person_id is None) != (tie.other_cadre_id is None)
            assert tie.other_cadre_id != tie.cadre_id
            assert tie.source
        for position in session.scalars(select(PartTimePosition)):
            assert position.end_date is None or position.end_date >= position.start_date
        nominations: dict[int, int] = {}
        for nomination in session.scalars(select(Nomination)):
            assert nomination.nominee_id != nomination.nominator_id
            nominations[nomination.selection_id] = nominations.get(nomination.selection_id, 0) + 1
            for score in (nomination.political_quality, nomination.professional_ability, nomination.responsibility,
                          nomination.performance, nomination.reputation):
                assert score is None or 50 <= score <= 100
        assert all(2 <= count <= 3 for count in nominations.values())
        codes = session.scalars(select(Organization.credit_code)).all()
        assert len(codes) == len(set(codes)) and all(len(code) == 18 for code in codes)


def test_credit_codes_have_the_gb32100_check_character() -> None:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    for serial in (0, 1, 77, 12345):
        code = credit_code("91", "330500", serial)
        total = sum(chars.index(c) * w for c, w in zip(code[:17], weights))
        assert chars.index(code[17]) == (31 - total % 31) % 31


# --- proportions at N = 1000 -----------------------------------------------------------------------


def test_proportions(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, summary = seeded
    q = lambda sql: _scalar(engine, sql)  # noqa: E731
    counts = summary.counts
    assert 1.1 <= q("SELECT sum(quota) FROM post") / N <= 1.5
    assert N / 12 <= counts["unit"] <= N / 5
    assert 0.10 <= q("SELECT avg(is_key_post) FROM post") <= 0.20
    assert 0.30 <= q("SELECT avg(management_level = 'city') FROM cadre") <= 0.40
    assert 0.07 <= q("SELECT avg(reserve_tier IS NOT NULL) FROM cadre") <= 0.13
    # A few posts are over quota.
    over = q("""SELECT count(*) FROM (SELECT p.id FROM post p JOIN tenure t ON t.post_id = p.id AND t.end_date IS NULL
                GROUP BY p.id HAVING count(*) > p.quota)""")
    assert 1 <= over <= 0.02 * counts["post"]
    # Long tenure: about 3 % over ten years on the current post.
    assert 0.015 <= q("SELECT count(*) FROM tenure WHERE end_date IS NULL AND start_date < '2016-06-30'") / N <= 0.05
    # Relatives and associates.
    assert 8 <= counts["person"] / N <= 12
    assert 0.01 <= q("SELECT avg(emigrated_to IS NOT NULL) FROM person WHERE id IN (SELECT person_id FROM kinship)") <= 0.03
    edges = sum(counts[t] for t in ("kinship", "social_tie", "organization_role", "tenure", "part_time_position",
                                    "nomination", "supply_contract"))
    assert 24 <= edges / N <= 36
    assert q("SELECT count(*) FROM social_tie WHERE other_cadre_id IS NOT NULL") > 8 * N
    # Organizations and conflicts of interest.
    assert counts["organization"] == N // 10 + N // 100
    assert 0.03 <= q("SELECT count(DISTINCT cadre_id) FROM part_time_position") / N <= 0.07
    assert q("SELECT count(*) FROM part_time_position WHERE NOT approved") >= 5
    conflicts = q("""SELECT count(DISTINCT k.cadre_id) FROM kinship k
        JOIN organization_role r ON r.person_id = k.person_id AND r.role IN ('owner', 'director')
        JOIN supply_contract s ON s.organization_id = r.organization_id
        JOIN tenure t ON t.cadre_id = k.cadre_id JOIN post p ON p.id = t.post_id AND p.unit_id = s.unit_id""")
    assert 0.005 <= conflicts / N <= 0.03
    # Negative list: ~7 % of cadres with 1-3 items; every status appears.
    assert 0.04 <= q("SELECT count(DISTINCT cadre_id) FROM negative_record") / N <= 0.10
    assert q("SELECT max(c) FROM (SELECT count(*) AS c FROM negative_record GROUP BY cadre_id)") <= 3
    assert q("SELECT count(DISTINCT status) FROM negative_record") == 5
    assert q("SELECT count(DISTINCT reporting_agency) FROM negative_record") >= 6
    # Personal matters reports: ~60 % of cadres, 2024 and 2025, 3-8 items; Huzhou findings on verified ones.
    assert 0.5 <= q("SELECT count(DISTINCT cadre_id) FROM personal_matters_report") / N <= 0.7
    assert q("SELECT count(DISTINCT year) FROM personal_matters_report") == 2
    assert q("SELECT min(c) FROM (SELECT count(*) AS c FROM matter_item GROUP BY report_id)") >= 3
    assert q("SELECT max(c) FROM (SELECT count(*) AS c FROM matter_item GROUP BY report_id)") <= 8
    verified = q("SELECT count(*) FROM personal_matters_report WHERE verified_on IS NOT NULL")
    concealed = q("SELECT count(DISTINCT report_id) FROM matter_item WHERE finding = 'concealment'")
    omitted = q("SELECT count(DISTINCT report_id) FROM matter_item WHERE finding = 'omission'")
    assert 0.005 <= concealed / verified <= 0.055
    assert 0.06 <= omitted / verified <= 0.15
    assert q("""SELECT count(*) FROM matter_item m JOIN personal_matters_report r ON r.id = m.report_id
                WHERE r.verified_on IS NULL AND m.finding <> 'pending'""") == 0
    # Supervision: ~4 % of cadres; inquiry letters with due dates, some overdue.
    assert 0.025 <= q("SELECT count(DISTINCT cadre_id) FROM supervision_action") / N <= 0.07
    assert q("SELECT count(*) FROM supervision_action WHERE kind = 'inquiry_letter' AND due_on IS NULL") == 0
    # Selections: about N/50, 2-3 nominees each.
    assert N / 100 <= counts["selection"] <= N / 30
    assert 2 <= counts["nomination"] / counts["selection"] <= 3


def test_id_number_sequences_are_drawn_not_computed() -> None:
    """A masked number shows its area and check character, and birth date and gender are readable: if the
    sequence digits followed from those (a formula), the masked value could be undone. They are drawn from the
    seed instead: the same person's number differs between seeds, and is the same for the same seed."""
    areas = ("330502", "330503", "330521", "330522", "330523")
    people = [(areas[i % len(areas)], date(1960, 1, 1).toordinal() + 37 * i, i % 2 == 0) for i in range(200)]

    def numbers(seed: int) -> list[str]:
        generator = _Generator(cadres=100, seed=seed)
        return [generator.id_number(area, birth, male) for area, birth, male in people]

    first, again, other = numbers(7), numbers(7), numbers(8)
    assert first == again
    assert all(validate_id_number(number) == number for number in first + other)
    same = sum(a == b for a, b in zip(first, other, strict=True))
    assert same <= 5, f"{same} of 200 ID numbers do not depend on the seed"
