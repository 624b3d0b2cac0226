"""Deterministic demo data: a city (湖州市) and its counties, their units, posts and cadres.

`seed_database(engine, cadres=N, seed=S)` fills an empty, migrated database.  The same (N, S)
always gives the same rows, whatever the batch size: every value is drawn from one
`random.Random(S)` in a fixed order (ID numbers' sequence digits from a second generator seeded
from S), dates count from a fixed reference date, ids are assigned here, and nothing is drawn from
the iteration order of a set or from the clock.

Memory stays bounded: the reference data (units, posts, organizations: under N rows together)
is kept, but cadres and everything that hangs off them (persons, ties, tenures, records...) are
generated and inserted `batch_size` cadres at a time, one transaction per batch.  Only small
per-cadre integers (rank, jurisdiction) and bounded ring buffers of recent ids are kept to draw
ties, shared relatives and nominations between cadres of different batches.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import accumulate
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlalchemy import Engine, func, insert, inspect, select, text

from hub.models import Base
from hub.seed import names as V
from hub.validation import id_check_char

REFERENCE_DATE = date(2026, 6, 30)
STAMP = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)  # updated_at of every seeded row

# Insert order inside a batch (foreign keys point to earlier tables or earlier batches).
REFERENCE_TABLES = ("unit", "post", "organization")
BATCH_TABLES = (
    "cadre",
    "person",
    "kinship",
    "social_tie",
    "tenure",
    "organization_role",
    "part_time_position",
    "supply_contract",
    "negative_record",
    "personal_matters_report",
    "matter_item",
    "supervision_action",
    "selection",
    "nomination",
)
TABLES = REFERENCE_TABLES + BATCH_TABLES

RANKS = ("deputy_section", "section", "deputy_division", "division")
RANK_INDEX = {name: index for index, name in enumerate(RANKS)}
RANK_SHARE = (40, 25, 23, 12)  # 科级 65 %, 处级 35 %
POSTS_PER_UNIT = (3, 4, 5, 6, 7, 8)
POSTS_PER_UNIT_CUM = (1, 2, 4, 6, 9, 12)  # larger units are more common
CAPACITY_MARGIN = 1.15  # approved quota over the cadres who need a current post
OVER_QUOTA_SHARE = 0.003  # cadres deliberately placed on a full post
LONG_TENURE_SHARE = 0.032
CONFLICT_SHARE = 0.014  # a relative's company supplies the cadre's own unit

REF = REFERENCE_DATE.toordinal()
BASE = date(1900, 1, 1).toordinal()
NDAYS = REF - BASE + 1
YEAR = 365.25
MAX_SEQUENCE = 500  # sequence numbers per area, birth date and gender (3 digits, parity = gender)

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

NEGATIVE_CATEGORIES: tuple[tuple[str, str, int, tuple[int, int, int]], ...] = (
    # category, reporting agency, weight, severity weights (minor, serious, grave)
    ("petition_report", "petition", 25, (70, 25, 5)),
    ("discipline_sanction", "discipline", 15, (45, 45, 10)),
    ("case_filed", "discipline", 5, (0, 55, 45)),
    ("audit_finding", "audit", 12, (55, 40, 5)),
    ("financial_discipline", "audit", 6, (50, 45, 5)),
    ("litigation", "court", 8, (70, 25, 5)),
    ("criminal_exemption", "court", 2, (0, 60, 40)),
    ("prosecution", "procuratorate", 2, (0, 50, 50)),
    ("public_order", "police", 4, (55, 40, 5)),
    ("improper_speech", "police", 3, (65, 30, 5)),
    ("family_planning", "org", 3, (70, 30, 0)),
    ("ineffective_work", "org", 6, (55, 40, 5)),
    ("dereliction", "org", 6, (40, 50, 10)),
    ("other_violation", "org", 4, (55, 40, 5)),
)
STATUSES = ("reported", "verifying", "confirmed", "partly_confirmed", "cleared")
STATUS_WEIGHTS = (15, 15, 40, 12, 18)
PETITION_STATUS_WEIGHTS = (15, 20, 20, 15, 30)  # reports are more often unfounded
SELECTION_STATUSES = ("open", "inspecting", "public_notice", "decided", "stopped", "suspended")
SELECTION_STATUS_WEIGHTS = (15, 25, 15, 30, 8, 7)
TIE_KINDS = ("classmate", "former_colleague", "fellow_townsman", "neighbour", "comrade_in_arms", "business_partner")
ASSOCIATE_KIND_WEIGHTS = (30, 20, 15, 15, 5, 15)


class SeedError(RuntimeError):
    """The database cannot be seeded (not migrated, or not empty)."""


@dataclass(frozen=True)
class SeedSummary:
    """Rows inserted per table, in insert order."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class _Picker:
    """Weighted choice from a fixed tuple of (value, weight) with precomputed cumulative weights."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs: tuple[tuple[Any, int], ...] | list[tuple[Any, int]]) -> None:
        self.values = tuple(value for value, _weight in pairs)
        self.cum = tuple(accumulate(weight for _value, weight in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cum, rng.random() * self.total)]


def _cn_number(n: int) -> str:
    """Chinese numeral for 1..99999 (第十二中学, 第一百零三小学)."""
    digits = "零一二三四五六七八九"
    units = ("", "十", "百", "千", "万")
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    parts: list[str] = []
    text_digits = str(n)
    length = len(text_digits)
    zero = False
    for position, char in enumerate(text_digits):
        value = int(char)
        unit = units[length - position - 1]
        if value == 0:
            zero = True
            continue
        if zero and parts:
            parts.append("零")
        zero = False
        parts.append(digits[value] + unit)
    return "".join(parts)


def _org_code(body8: str) -> str:
    """GB 11714 organization code: 8 digits and a check character."""
    total = sum(int(char) * weight for char, weight in zip(body8, ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(authority: str, area: str, serial: int) -> str:
    """GB 32100 unified social credit code (18 characters) for the `serial`-th organization."""
    body8 = f"{(serial * 7919 + 13_579_111) % 100_000_000:08d}"  # a bijection for serial < 10^8
    first17 = authority + area + _org_code(body8)
    total = sum(CREDIT_CHARS.index(char) * weight for char, weight in zip(first17, CREDIT_WEIGHTS))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]


def _eighteenth_birthday(birth: date) -> int:
    try:
        return birth.replace(year=birth.year + 18).toordinal()
    except ValueError:  # 29 February
        return date(birth.year + 18, 3, 1).toordinal()


class _Ring:
    """Bounded buffers of recent ids by key, to draw ties without holding every row."""

    __slots__ = ("buffers", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.buffers: dict[Any, deque[int]] = {}

    def add(self, key: Any, value: int) -> None:
        buffer = self.buffers.get(key)
        if buffer is None:
            buffer = self.buffers[key] = deque(maxlen=self.size)
        buffer.append(value)

    def draw(self, rng: random.Random, key: Any, k: int, out: list[int], exclude: set[int]) -> None:
        """Append up to k distinct ids from the buffer of `key` that are not in `exclude`."""
        buffer = self.buffers.get(key)
        if not buffer:
            return
        n = len(buffer)
        for _ in range(k):
            value = buffer[int(rng.random() * n)]
            if value not in exclude:
                exclude.add(value)
                out.append(value)


class _Generator:
    """Generates the rows; `reference()` first, then `batches()`."""

    def __init__(self, cadres: int, seed: int) -> None:
        self.n = cadres
        self.rng = random.Random(seed)
        # Periods and sources of evidence draw from a stream of their own, so the rest of the world stays as it was.
        self.evidence_rng = random.Random(f"evidence-{seed}")
        # ID numbers' sequence digits come from a generator of their own, so drawing them leaves every other
        # value where it was; drawn, not computed, so a masked number cannot be narrowed down by a formula.
        self.id_rng = random.Random(f"{seed}:id-number-sequences")
        self.id_taken: set[int] = set()
        self.counts = {table: 0 for table in TABLES}
        self.next_id = {table: 1 for table in TABLES}

        self.surname = _Picker(V.SURNAMES)
        self.ethnicity = _Picker(V.ETHNICITIES)
        self.native = _Picker([((index, place, area), weight) for index, (place, area, weight) in enumerate(V.NATIVE_PLACES)])
        self.county = _Picker([(index + 1, weight) for index, (_c, _n, weight, _a) in enumerate(V.COUNTIES)])
        self.rank = _Picker(list(zip(range(4), RANK_SHARE)))
        self.adult_job = _Picker(V.OCCUPATIONS_ADULT)
        self.old_job = _Picker(V.OCCUPATIONS_OLD)
        self.country = _Picker(V.EMIGRATION_COUNTRIES)
        self.negative = _Picker([(entry, entry[2]) for entry in NEGATIVE_CATEGORIES])
        self.association_title = _Picker(V.PART_TIME_TITLES_ASSOCIATION)
        self.company_title = _Picker(V.PART_TIME_TITLES_COMPANY)
        self.associate_kind = _Picker(list(zip(TIE_KINDS, ASSOCIATE_KIND_WEIGHTS)))

        # ID numbers are unique by construction: a sequence counter per area, birth day and gender.
        area_codes: list[str] = []
        for code in [area for _p, area, _w in V.NATIVE_PLACES] + [area for *_x, area in V.COUNTIES]:
            if code not in area_codes:
                area_codes.append(code)
        self.area_codes = tuple(area_codes)
        self.area_index = {code: index for index, code in enumerate(area_codes)}
        self.id_counters = (array("H", bytes(2 * NDAYS * len(area_codes))), array("H", bytes(2 * NDAYS * len(area_codes))))
        self.jurisdiction_area = ("330502",) + tuple(area for *_x, area in V.COUNTIES)

        # Reference data kept in memory (about N/8 units, 0.7 N posts, 0.11 N organizations).
        self.unit_name: list[str] = []
        self.unit_jurisdiction = array("b")
        self.post_unit = array("i")
        self.post_rank = array("b")
        self.post_title: list[str] = []
        self.posts_by: dict[tuple[int, int], list[int]] = {}  # (jurisdiction, rank) -> post ids
        self.posts_by_rank: tuple[list[int], ...] = ([], [], [], [])
        self.slots: tuple[list[int], ...] = ([], [], [], [])  # one entry per vacancy, by rank
        self.company_ids: list[int] = []
        self.company_name: dict[int, str] = {}
        self.company_subjects: dict[int, tuple[str, ...]] = {}
        self.association_ids: list[int] = []

        # Per-cadre integers and bounded buffers for ties between batches.
        self.cadre_rank = array("b")
        self.by_unit = _Ring(24)
        self.by_cohort = _Ring(120)
        self.by_place = _Ring(200)
        self.by_jurisdiction = _Ring(200)
        self.veterans = _Ring(200)
        self.by_rank = _Ring(60)  # (rank, jurisdiction) -> cadre ids, for nominations
        self.associates = _Ring(400)  # jurisdiction -> associate person ids, shared between cadres
        self.families: deque[tuple[int, str, int, int, int, tuple[int, ...]]] = deque(maxlen=400)

    # --- helpers ---------------------------------------------------------------------------------

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        self.counts[table] += 1
        return value

    def id_number(self, area: str, birth: int, male: bool) -> str:
        """A valid, unique 18-character ID number for a birth day (ordinal) and gender."""
        counters = self.id_counters[0 if male else 1]
        area_index = self.area_index[area]
        for _attempt in range(len(self.area_codes)):
            key = area_index * NDAYS + (birth - BASE)
            used = counters[key]
            if used < MAX_SEQUENCE:
                counters[key] = used + 1
                sequence = 2 * self._free_sequence(key, male) + (1 if male else 0)
                day = date.fromordinal(birth)
                first17 = f"{self.area_codes[area_index]}{day.year:04d}{day.month:02d}{day.day:02d}{sequence:03d}"
                return first17 + id_check_char(first17)
            area_index = (area_index + 1) % len(self.area_codes)
        raise SeedError("ran out of ID sequence numbers")  # pragma: no cover - needs ~10^9 people

    def _free_sequence(self, key: int, male: bool) -> int:
        """A sequence number not yet given to this area, birth day and gender, drawn at random."""
        base = (2 * key + (1 if male else 0)) * MAX_SEQUENCE
        while True:
            drawn = int(self.id_rng.random() * MAX_SEQUENCE)
            if base + drawn not in self.id_taken:
                self.id_taken.add(base + drawn)
                return drawn

    def given_name(self, birth: int, male: bool) -> str:
        rng = self.rng
        year = date.fromordinal(birth).year
        if year < 1965:
            pool = V.GIVEN_MALE_OLD if male else V.GIVEN_FEMALE_OLD
            two = rng.random() < 0.55
        elif year < 1990:
            pool = V.GIVEN_MALE_MID if male else V.GIVEN_FEMALE_MID
            two = rng.random() < 0.6
        else:
            pool = V.GIVEN_MALE_YOUNG if male else V.GIVEN_FEMALE_YOUNG
            two = rng.random() < 0.85
        first = pool[int(rng.random() * len(pool))]
        return first + pool[int(rng.random() * len(pool))] if two else first

    # --- reference data ----------------------------------------------------------------------------

    def reference(self) -> dict[str, list[dict[str, Any]]]:
        rows: dict[str, list[dict[str, Any]]] = {"unit": [], "post": [], "organization": []}
        n = self.n
        demand = [n * share / 100 for share in RANK_SHARE]
        # City-level units hold the 处级 posts, county-level units the 科级 posts.
        self._units_for(0, {2: demand[2], 3: demand[3]}, rows)
        county_total = sum(weight for _c, _n, weight, _a in V.COUNTIES)
        for index, (_code, _name, weight, _area) in enumerate(V.COUNTIES):
            share = weight / county_total
            self._units_for(index + 1, {0: demand[0] * share, 1: demand[1] * share}, rows)
        self._organizations(rows)
        return rows

    def _unit_stream(self, jurisdiction: int) -> Iterator[tuple[str, str, str, int | None, str]]:
        """(name, head title, kind, parent unit id, unit type) for as many units as needed."""
        rng = self.rng
        prefix = V.JURISDICTION_NAMES[jurisdiction]
        departments = list(V.CITY_DEPARTMENTS if jurisdiction == 0 else V.COUNTY_DEPARTMENTS)
        entries: list[tuple[str, str, str, str]] = [(name, head, kind, "dept") for name, head, kind in departments]
        if jurisdiction > 0:
            entries += [(town, "党委书记", "res", "town") for town in V.TOWNSHIPS[jurisdiction - 1]]
        rng.shuffle(entries)
        department_ids: list[tuple[int, str]] = []
        by_name: dict[str, int] = {}
        for name, head, kind, unit_type in entries:
            unit_id = self.next_id["unit"]
            if unit_type == "dept":
                department_ids.append((unit_id, prefix + name))
                by_name[name] = unit_id
            yield prefix + name, head, kind, None, unit_type
        combos = [(index, sub) for index in range(len(department_ids)) for sub in V.SUB_BODIES]
        rng.shuffle(combos)
        for index, (suffix, head, kind) in combos:
            parent_id, parent_name = department_ids[index]
            yield parent_name + suffix, head, kind, parent_id, "sub"
        serial = 0
        while True:
            serial += 1
            for body, head, kind, department in V.NUMBERED_BODIES:
                yield f"{prefix}第{_cn_number(serial)}{body}", head, kind, by_name.get(department), "sub"

    def _units_for(self, jurisdiction: int, demand: dict[int, float], rows: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        level = "city" if jurisdiction == 0 else "county"
        capacity = {rank: 0 for rank in demand}
        target = {rank: value * CAPACITY_MARGIN + 2 for rank, value in demand.items()}
        stream = self._unit_stream(jurisdiction)
        while any(capacity[rank] < target[rank] for rank in demand):
            name, head, kind, parent_id, unit_type = next(stream)
            unit_id = self._id("unit")
            self.unit_name.append(name)
            self.unit_jurisdiction.append(jurisdiction)
            rows["unit"].append(
                {
                    "id": unit_id,
                    "name": name,
                    "jurisdiction": V.JURISDICTIONS[jurisdiction],
                    "level": level,
                    "parent_id": parent_id,
                    "version": 1,
                    "updated_at": STAMP,
                }
            )
            count = rng.choices(POSTS_PER_UNIT, cum_weights=POSTS_PER_UNIT_CUM)[0]
            if unit_type == "town":
                street = name.endswith("街道")
                mayor = "办事处主任" if street else name[-1] + "长"
                committee = "党工委" if street else "党委"
                posts = [(committee + "书记", "section", 1, 1, True)]
                templates = V.TOWNSHIP_POSTS
                fill = {"m": mayor, "dm": "办事处副主任" if street else "副" + mayor, "s": committee,
                        "j": "纪工委" if street else "纪委"}
            else:
                head_rank = "division" if jurisdiction == 0 else "section"
                posts = [(head, head_rank, 1, 1, kind == "res")]
                templates = V.CITY_POSTS if jurisdiction == 0 else V.COUNTY_POSTS
                fill = {"h": head}
            posts += rng.sample(templates, count - 1)
            for title, rank_name, low, high, key in posts:
                rank = RANK_INDEX[rank_name]
                quota = rng.randint(low, high)
                post_id = self._id("post")
                rows["post"].append(
                    {
                        "id": post_id,
                        "unit_id": unit_id,
                        "title": title.format(**fill),
                        "rank": rank_name,
                        "quota": quota,
                        "is_key_post": key,
                        "requirements": self._requirements(key),
                        "version": 1,
                        "updated_at": STAMP,
                    }
                )
                self.post_unit.append(unit_id)
                self.post_rank.append(rank)
                self.post_title.append(title.format(**fill))
                self.posts_by.setdefault((jurisdiction, rank), []).append(post_id)
                self.posts_by_rank[rank].append(post_id)
                self.slots[rank].extend([post_id] * quota)
                if rank in capacity:
                    capacity[rank] += quota

    def _requirements(self, key: bool) -> dict[str, float]:
        """Fit weights over the five dimensions, in hundredths, summing to 1."""
        rng = self.rng
        raw = [rng.randint(10, 30) for _ in V.FIT_DIMENSIONS]
        if key:
            raw[0] += 10  # political quality
            raw[4] += 8  # reputation
        total = sum(raw)
        percents = [round(100 * value / total) for value in raw[:-1]]
        percents.append(100 - sum(percents))
        return {dimension: percent / 100 for dimension, percent in zip(V.FIT_DIMENSIONS, percents)}

    def _organizations(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        companies = max(10, self.n // 10)
        associations = max(3, self.n // 100)
        place_area = {"湖州": "330500", "吴兴": "330502", "南浔": "330503", "德清": "330521",
                      "长兴": "330522", "安吉": "330523", "浙江": "330000", "湖州南太湖": "330500"}
        used: set[str] = set()
        for serial in range(companies + associations):
            org_id = self._id("organization")
            if serial < companies:
                while True:
                    place = V.COMPANY_PLACES[int(rng.random() * len(V.COMPANY_PLACES))]
                    words, industry, subjects = V.COMPANY_INDUSTRIES[int(rng.random() * len(V.COMPANY_INDUSTRIES))]
                    brand = V.COMPANY_BRANDS[int(rng.random() * len(V.COMPANY_BRANDS))]
                    suffix = V.COMPANY_SUFFIXES[int(rng.random() * len(V.COMPANY_SUFFIXES))]
                    name = f"{place}{brand}{words}{suffix}"
                    if name not in used:
                        break
                    name = f"{place}{brand}{rng.choice(V.COMPANY_BRANDS)}{words}{suffix}"
                    if name not in used:
                        break
                kind, code = "company", credit_code("91", place_area[place], serial)
                self.company_ids.append(org_id)
                self.company_name[org_id] = name
                self.company_subjects[org_id] = subjects
            else:
                jurisdiction = int(rng.random() * len(V.JURISDICTIONS))
                subject = V.ASSOCIATION_SUBJECTS[int(rng.random() * len(V.ASSOCIATION_SUBJECTS))]
                kind_word = V.ASSOCIATION_KINDS[int(rng.random() * len(V.ASSOCIATION_KINDS))]
                name = f"{V.JURISDICTION_NAMES[jurisdiction]}{subject}{kind_word}"
                if name in used:
                    name = f"{V.JURISDICTION_NAMES[jurisdiction]}{subject}{kind_word}（{_cn_number(serial)}）"
                industry = "社会团体"
                kind, code = "association", credit_code("51", self.jurisdiction_area[jurisdiction][:4] + "00", serial)
                self.association_ids.append(org_id)
            used.add(name)
            rows["organization"].append(
                {
                    "id": org_id,
                    "name": name,
                    "kind": kind,
                    "credit_code": code,
                    "industry": industry,
                    "version": 1,
                    "updated_at": STAMP,
                }
            )

    # --- cadres ------------------------------------------------------------------------------------

    def batches(self, batch_size: int) -> Iterator[tuple[int, dict[str, list[dict[str, Any]]]]]:
        """Yield (cadres in the batch, rows per table) every `batch_size` cadres."""
        rows: dict[str, list[dict[str, Any]]] = {table: [] for table in BATCH_TABLES}
        in_batch = 0
        for _index in range(self.n):
            self._cadre(rows)
            in_batch += 1
            if in_batch == batch_size:
                yield in_batch, rows
                rows = {table: [] for table in BATCH_TABLES}
                in_batch = 0
        if in_batch:
            yield in_batch, rows

    def _cadre(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        random_ = rng.random
        randint = rng.randint
        cadre_id = self._id("cadre")

        # Rank and current post (a vacancy of the rank; a few cadres sit on a full post).
        rank = self.rank(rng)
        slots = self.slots[rank]
        if slots and random_() >= OVER_QUOTA_SHARE:
            index = int(rng.random() * len(slots))
            post_id = slots[index]
            slots[index] = slots[-1]
            slots.pop()
        else:
            candidates = self.posts_by_rank[rank]
            post_id = candidates[int(rng.random() * len(candidates))]
        unit_id = self.post_unit[post_id - 1]
        jurisdiction = self.unit_jurisdiction[unit_id - 1]
        jurisdiction_code = V.JURISDICTIONS[jurisdiction]
        city = rank >= 2

        # Identity; a few cadres are siblings of an earlier cadre (they share the parents).
        male = random_() < (0.8 if city else 0.7)
        low, high, mode = ((27, 58, 40), (30, 59, 45), (35, 59.5, 48), (38, 59.5, 52))[rank]
        birth = REF - int(rng.triangular(low, high, mode) * YEAR) - randint(0, 364)
        birth = max(min(birth, REF - int(low * YEAR)), REF - int(59.9 * YEAR))  # in office: under 60
        sibling_of = None
        if random_() < 0.02 and self.families:
            candidate = self.families[int(rng.random() * len(self.families))]
            if abs(candidate[2] - birth) < 12 * YEAR:
                sibling_of = candidate
        if sibling_of is not None:
            surname = sibling_of[1]
        else:
            surname = self.surname(rng)
        place_index, native_place, native_area = self.native(rng)
        area = native_area if place_index < V.HUZHOU_PLACES else self.jurisdiction_area[jurisdiction]
        if sibling_of is not None:
            area = self.area_codes[sibling_of[4]]
        birth_day = date.fromordinal(birth)
        year = birth_day.year
        if year < 1970:
            education = rng.choices(("secondary", "junior_college", "bachelor", "master", "doctorate"), cum_weights=(6, 36, 88, 99, 100))[0]
        elif year < 1986:
            education = rng.choices(("secondary", "junior_college", "bachelor", "master", "doctorate"), cum_weights=(2, 14, 76, 98, 100))[0]
        else:
            education = rng.choices(("secondary", "junior_college", "bachelor", "master", "doctorate"), cum_weights=(0, 5, 65, 97, 100))[0]
        start_age = {"secondary": 18.5, "junior_college": 20.5, "bachelor": 22.2, "master": 25.2, "doctorate": 28.5}[education]
        work_start = birth + int(start_age * YEAR) + randint(0, 300)
        work_start = min(work_start, REF - 900 - randint(0, 400))
        party_join = None
        if random_() < (0.95 if city else 0.86):
            eighteen = _eighteenth_birthday(birth_day)
            party_join = eighteen + int(rng.triangular(0, 22, 4) * YEAR) + randint(0, 200)
            if party_join > REF - 30:
                party_join = eighteen + randint(0, max(0, REF - 30 - eighteen))
        reserve = None
        if random_() < 0.10:
            reserve = rng.choices((1, 2, 3), cum_weights=(30, 70, 100))[0]
        rows["cadre"].append(
            {
                "id": cadre_id,
                "name": surname + self.given_name(birth, male),
                "gender": "male" if male else "female",
                "birth_date": birth_day,
                "ethnicity": self.ethnicity(rng),
                "native_place": native_place,
                "id_number": self.id_number(area, birth, male),
                "party_join_date": None if party_join is None else date.fromordinal(party_join),
                "work_start_date": date.fromordinal(work_start),
                "education": education,
                "rank": RANKS[rank],
                "management_level": "city" if city else "county",
                "reserve_tier": reserve,
                "unit_id": unit_id,
                "jurisdiction": jurisdiction_code,
                "version": 1,
                "updated_at": STAMP,
            }
        )
        self.cadre_rank.append(rank)

        # Tenures: consecutive, the last one open; ~3 % on the current post for over 10 years.
        tenures = self._tenures(rows, cadre_id, rank, post_id, jurisdiction, work_start)
        tenure_units: list[int] = []
        for unit, _start, _end in tenures:
            if unit not in tenure_units:
                tenure_units.append(unit)

        # Family and associates.
        family = self._family(rows, cadre_id, surname, male, birth, area, jurisdiction_code, sibling_of)
        associates = self._associates(rows, cadre_id, birth, jurisdiction, jurisdiction_code, native_place)

        # Ties to other (earlier) cadres: former colleagues, classmates, fellow townsmen, neighbours.
        connected = self._cadre_ties(rows, cadre_id, birth, jurisdiction, native_place, tenure_units)

        # Organizations: relatives' companies, conflicts of interest, part-time positions, contracts.
        unapproved = self._organization_links(rows, cadre_id, family, associates, tenures, rank, work_start)

        # Records.
        negatives = self._negative_records(rows, cadre_id, city, work_start, tenure_units)
        matters = self._personal_matters(rows, cadre_id, city, family, jurisdiction)
        self._supervision(rows, cadre_id, negatives, matters, tenures, unapproved)
        self._selection(rows, cadre_id, rank, jurisdiction, connected)

        # Remember the cadre for later cadres' ties, shared relatives and nominations.
        for unit in tenure_units:
            self.by_unit.add(unit, cadre_id)
        self.by_cohort.add(year, cadre_id)
        self.by_place.add(native_place, cadre_id)
        self.by_jurisdiction.add(jurisdiction, cadre_id)
        self.by_rank.add((rank, jurisdiction), cadre_id)
        if random_() < 0.08:
            self.veterans.add(0, cadre_id)
        parents = tuple(person for person, kind, *_rest in family if kind == "parent")
        if parents:
            self.families.append((cadre_id, surname, birth, jurisdiction, self.area_index[area], parents))

    def _tenures(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        rank: int,
        post_id: int,
        jurisdiction: int,
        work_start: int,
    ) -> list[tuple[int, int, int | None]]:
        """Insert the tenures (oldest first); return (unit, start, end) of each."""
        rng = self.rng
        randint = rng.randint
        earliest = work_start + 365
        count = rng.choices((1, 2, 3, 4), cum_weights=(25, 60, 85, 100))[0]
        start = REF - randint(3700, 6300) if rng.random() < LONG_TENURE_SHARE else REF - randint(60, 3400)
        if start < earliest:
            start = min(REF - 30, earliest + randint(0, 200))
        chain: list[tuple[int, int, int | None]] = [(post_id, start, None)]
        current_rank = rank
        for _ in range(count - 1):
            end = chain[-1][1] - 1
            begin = end - randint(400, 2600)
            if begin < earliest:
                break
            if current_rank > 0 and rng.random() < 0.6:
                current_rank -= 1
            if current_rank >= 2:
                candidates = self.posts_by.get((0, current_rank))
            else:
                county = jurisdiction if jurisdiction > 0 else self.county(rng)
                candidates = self.posts_by.get((county, current_rank)) or self.posts_by_rank[current_rank]
            if not candidates:
                candidates = self.posts_by_rank[current_rank] or self.posts_by_rank[rank]
            chain.append((candidates[int(rng.random() * len(candidates))], begin, end))
        chain.reverse()
        result: list[tuple[int, int, int | None]] = []
        tenure_rows = rows["tenure"]
        for post, begin, until in chain:
            tenure_rows.append(
                {
                    "id": self._id("tenure"),
                    "cadre_id": cadre_id,
                    "post_id": post,
                    "start_date": date.fromordinal(begin),
                    "end_date": None if until is None else date.fromordinal(until),
                }
            )
            result.append((self.post_unit[post - 1], begin, until))
        return result

    def _person(
        self,
        rows: dict[str, list[dict[str, Any]]],
        surname: str,
        male: bool,
        birth: int | None,
        area: str | None,
        occupation: str,
        employer: str,
        emigrated: str | None,
        jurisdiction_code: str,
    ) -> tuple[int, str]:
        person_id = self._id("person")
        name = surname + self.given_name(birth if birth is not None else REF - 45 * 365, male)
        rows["person"].append(
            {
                "id": person_id,
                "name": name,
                "gender": "male" if male else "female",
                "birth_date": None if birth is None else date.fromordinal(birth),
                "id_number": None if area is None or birth is None else self.id_number(area, birth, male),
                "occupation": occupation,
                "employer": employer,
                "emigrated_to": emigrated,
                "jurisdiction": jurisdiction_code,
                "version": 1,
                "updated_at": STAMP,
            }
        )
        return person_id, name

    def _work(self, birth: int, emigrate_share: float) -> tuple[str, str, str | None]:
        """Occupation, employer and emigration country of a relative born on `birth`."""
        rng = self.rng
        age = (REF - birth) / YEAR
        if age < 6:
            return "学龄前儿童", "", None
        if age < 18:
            return "学生", "湖州市" + ("第" + _cn_number(rng.randint(1, 12)) + ("中学" if age >= 12 else "小学")), None
        if age < 23:
            if rng.random() < 0.1:
                return "留学生", V.STUDY_ABROAD[int(rng.random() * len(V.STUDY_ABROAD))], None
            return "大学生", V.UNIVERSITIES[int(rng.random() * len(V.UNIVERSITIES))], None
        if rng.random() < emigrate_share:
            country = self.country(rng)
            return rng.choice(("企业职员", "自由职业", "工程师", "个体经营")), "", country
        if age >= 62:
            return self.old_job(rng), "", None
        occupation = self.adult_job(rng)
        if occupation in ("教师", "医生", "护士", "事业单位职员", "银行职员"):
            employer = V.PUBLIC_EMPLOYERS[int(rng.random() * len(V.PUBLIC_EMPLOYERS))]
        elif occupation == "公务员":
            employer = self.unit_name[int(rng.random() * len(self.unit_name))]
        elif occupation in ("企业职员", "工程师", "会计", "销售"):
            employer = self.company_name[self.company_ids[int(rng.random() * len(self.company_ids))]]
        else:
            employer = ""
        return occupation, employer, None

    def _family(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        surname: str,
        male: bool,
        birth: int,
        area: str,
        jurisdiction_code: str,
        sibling_of: tuple[int, str, int, int, int, tuple[int, ...]] | None,
    ) -> list[tuple[int, str, str, int | None, str, str | None]]:
        """Relatives as (person id, kinship kind, name, birth, employer, emigrated to)."""
        rng = self.rng
        randint = rng.randint
        random_ = rng.random
        year = date.fromordinal(birth).year
        family: list[tuple[int, str, str, int | None, str, str | None]] = []
        huzhou_areas = self.area_codes[: V.HUZHOU_PLACES]

        def add(kind: str, person_surname: str, person_male: bool, person_birth: int, person_area: str, emigrate: float) -> int:
            if person_birth > REF - 30:
                person_birth = REF - randint(30, 300)
            occupation, employer, emigrated = self._work(person_birth, emigrate)
            person_id, name = self._person(rows, person_surname, person_male, person_birth, person_area,
                                           occupation, employer, emigrated, jurisdiction_code)
            family.append((person_id, kind, name, person_birth, employer, emigrated))
            return person_id

        def alive(person_birth: int) -> bool:
            age = (REF - person_birth) / YEAR
            return age < 75 or random_() < max(0.15, 1 - (age - 75) * 0.05)

        # Parents (shared with a sibling cadre for a few).
        if sibling_of is not None:
            for person_id in sibling_of[5]:
                family.append((person_id, "parent", "", None, "", None))
        else:
            father = birth - int(rng.uniform(23, 34) * YEAR)
            mother = birth - int(rng.uniform(21, 31) * YEAR)
            if alive(father):
                add("parent", surname, True, father, area, 0.0)
            if alive(mother):
                add("parent", self.surname(rng), False, mother, area, 0.0)
        # Siblings.
        if year < 1970:
            siblings = rng.choices((0, 1, 2, 3, 4), cum_weights=(5, 25, 60, 85, 100))[0]
        elif year < 1981:
            siblings = rng.choices((0, 1, 2, 3), cum_weights=(15, 60, 90, 100))[0]
        else:
            siblings = rng.choices((0, 1, 2), cum_weights=(45, 90, 100))[0]
        for _ in range(siblings):
            add("sibling", surname, random_() < 0.5, birth + randint(-3000, 3000), area, 0.06)
        # Spouse, in-laws, children.
        age = (REF - birth) / YEAR
        if random_() < (0.95 if age >= 30 else 0.8):
            spouse_birth = birth + (randint(0, 1900) if male else -randint(0, 1500))
            spouse_area = huzhou_areas[int(rng.random() * len(huzhou_areas))] if random_() < 0.8 else self.native(rng)[2]
            spouse_surname = self.surname(rng)
            add("spouse", spouse_surname, not male, spouse_birth, spouse_area, 0.004)
            in_law_father = spouse_birth - int(rng.uniform(23, 34) * YEAR)
            in_law_mother = spouse_birth - int(rng.uniform(21, 31) * YEAR)
            if alive(in_law_father):
                add("parent_in_law", spouse_surname, True, in_law_father, spouse_area, 0.0)
            if alive(in_law_mother):
                add("parent_in_law", self.surname(rng), False, in_law_mother, spouse_area, 0.0)
            for _ in range(rng.choices((0, 1, 2), cum_weights=(35, 80, 100))[0]):
                add("sibling_in_law", spouse_surname, random_() < 0.5, spouse_birth + randint(-3000, 3000), spouse_area, 0.05)
            if year < 1976:
                children = rng.choices((0, 1, 2), cum_weights=(5, 90, 100))[0]
            else:
                children = rng.choices((0, 1, 2), cum_weights=(8, 63, 100))[0]
            child_surname = surname if male or random_() < 0.1 else spouse_surname
            child_area = huzhou_areas[int(rng.random() * len(huzhou_areas))]
            for _ in range(children):
                child_birth = birth + int(rng.uniform(24, 37) * YEAR)
                if child_birth >= REF - 30:
                    continue
                child_male = random_() < 0.52
                add("child", child_surname, child_male, child_birth, child_area, 0.25)
                if (REF - child_birth) / YEAR >= 26 and random_() < 0.6:
                    add("child_in_law", self.surname(rng), not child_male, child_birth + randint(-700, 700),
                        huzhou_areas[int(rng.random() * len(huzhou_areas))], 0.15)
        kinship = rows["kinship"]
        for person_id, kind, *_rest in family:
            kinship.append({"id": self._id("kinship"), "cadre_id": cadre_id, "person_id": person_id, "kind": kind,
                            **self._kinship_period(kind), **self._reported("本人报告")})
        return family

    def _tie_source(self, kind: str, **values: str) -> str:
        templates = V.TIE_SOURCES[kind]
        return templates[int(self.rng.random() * len(templates))].format(**values)

    def _associates(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        birth: int,
        jurisdiction: int,
        jurisdiction_code: str,
        native_place: str,
    ) -> list[tuple[int, str]]:
        """Associates (social circle) as (person id, tie kind); some are shared with other cadres."""
        rng = self.rng
        randint = rng.randint
        random_ = rng.random
        year = date.fromordinal(birth).year
        count = rng.choices((0, 1, 2, 3, 4, 5, 6, 7), cum_weights=(6, 16, 30, 50, 70, 85, 95, 100))[0]
        result: list[tuple[int, str]] = []
        seen: set[int] = set()
        ties = rows["social_tie"]
        for _ in range(count):
            kind = self.associate_kind(rng)
            person_id = None
            if random_() < 0.12:
                buffer = self.associates.buffers.get(jurisdiction)
                if buffer:
                    candidate = buffer[int(rng.random() * len(buffer))]
                    if candidate not in seen:
                        person_id = candidate
            if person_id is None:
                person_male = random_() < 0.75
                person_birth = birth + randint(-2900, 2900)
                person_birth = min(person_birth, REF - 20 * 365)
                known = random_() < 0.85
                if kind == "business_partner":
                    occupation, employer = rng.choice(("企业主", "总经理", "个体经营")), ""
                else:
                    occupation, employer, _emigrated = self._work(person_birth, 0.0)
                area = self.area_codes[int(rng.random() * len(self.area_codes))] if random_() < 0.3 else self.jurisdiction_area[jurisdiction]
                person_id, _name = self._person(
                    rows, self.surname(rng), person_male, person_birth if known or random_() < 0.3 else None,
                    area if known else None, occupation, employer, None, jurisdiction_code,
                )
                self.associates.add(jurisdiction, person_id)
            seen.add(person_id)
            if kind == "classmate":
                source = self._tie_source(kind, school=rng.choice(V.UNIVERSITIES), year=str(year + 18),
                                          course=rng.choice(V.PARTY_SCHOOL_CLASSES))
            elif kind == "comrade_in_arms":
                source = self._tie_source(kind, army=rng.choice(V.ARMY_UNITS))
            elif kind == "former_colleague":
                source = self._tie_source(kind, unit=self.unit_name[int(rng.random() * len(self.unit_name))])
            elif kind == "neighbour":
                source = self._tie_source(kind, estate=rng.choice(V.ESTATES))
            elif kind == "fellow_townsman":
                source = self._tie_source(kind, place=native_place)
            else:
                source = self._tie_source(kind, company=self.company_name[self.company_ids[int(rng.random() * len(self.company_ids))]])
            ties.append(
                {"id": self._id("social_tie"), "cadre_id": cadre_id, "person_id": person_id,
                 "other_cadre_id": None, "kind": kind, "source": source, **self._period(0.5, 0.1),
                 "reported_on": self._reported("")["reported_on"]}
            )
            result.append((person_id, kind))
        return result

    def _cadre_ties(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        birth: int,
        jurisdiction: int,
        native_place: str,
        tenure_units: list[int],
    ) -> list[int]:
        """Ties to earlier cadres; returns the ids of the cadres tied to."""
        rng = self.rng
        randint = rng.randint
        exclude: set[int] = {cadre_id}
        ties = rows["social_tie"]
        connected: list[int] = []
        year = date.fromordinal(birth).year

        def emit(others: list[int], kind: str, source: str) -> None:
            connected.extend(others)
            for other in others:
                ties.append(
                    {"id": self._id("social_tie"), "cadre_id": cadre_id, "person_id": None,
                     "other_cadre_id": other, "kind": kind, "source": source, "start_date": None, "end_date": None,
                     "reported_on": None}
                )

        for position, unit in enumerate(reversed(tenure_units)):
            found: list[int] = []
            self.by_unit.draw(rng, unit, randint(4, 9) if position == 0 else randint(2, 5), found, exclude)
            emit(found, "former_colleague", self._tie_source("former_colleague", unit=self.unit_name[unit - 1]))
        found = []
        self.by_cohort.draw(rng, year, randint(1, 5), found, exclude)
        if found:
            if rng.random() < 0.5:
                emit(found, "classmate", f"{rng.choice(V.UNIVERSITIES)}{year + 18}级同学")
            else:
                emit(found, "classmate", f"{rng.choice(V.PARTY_SCHOOL_CLASSES)}同学")
        found = []
        self.by_place.draw(rng, native_place, randint(1, 5), found, exclude)
        emit(found, "fellow_townsman", f"同为{native_place}人")
        found = []
        self.by_jurisdiction.draw(rng, jurisdiction, randint(1, 3), found, exclude)
        if found:
            emit(found, "neighbour", f"同住{rng.choice(V.ESTATES)}")
        if rng.random() < 0.08:
            found = []
            self.veterans.draw(rng, 0, randint(1, 3), found, exclude)
            if found:
                emit(found, "comrade_in_arms", f"同在{rng.choice(V.ARMY_UNITS)}服役")
        return connected

    def _period(self, known: float, ended: float) -> dict[str, date | None]:
        """A start known with probability `known` (1 to 15 years back), an end with probability `ended`."""
        rng = self.evidence_rng
        if rng.random() >= known:
            return {"start_date": None, "end_date": None}
        start = REF - rng.randint(365, 15 * 365)
        end = start + rng.randint(30, REF - start) if rng.random() < ended else None
        return {"start_date": date.fromordinal(start), "end_date": None if end is None else date.fromordinal(end)}

    def _kinship_period(self, kind: str) -> dict[str, date | None]:
        """Marriages have dates: a spouse's since some 5 to 35 years; about one in twenty has ended."""
        if kind != "spouse":
            return {"start_date": None, "end_date": None}
        rng = self.evidence_rng
        start = REF - rng.randint(5 * 365, 35 * 365)
        end = start + rng.randint(365, REF - start) if rng.random() < 0.05 else None
        return {"start_date": date.fromordinal(start), "end_date": None if end is None else date.fromordinal(end)}

    def _reported(self, source: str) -> dict[str, Any]:
        return {"source": source, "reported_on": date.fromordinal(REF - self.evidence_rng.randint(0, 5 * 365))}

    def _contract_period(self, signed: int) -> dict[str, date | None]:
        """In force from shortly after signing, for one to five years (some open-ended)."""
        rng = self.evidence_rng
        start = signed + rng.randint(0, 30)
        end = start + rng.randint(365, 5 * 365) if rng.random() < 0.8 else None
        return {"start_date": date.fromordinal(start), "end_date": None if end is None else date.fromordinal(end)}

    def _contract(self, rows: dict[str, list[dict[str, Any]]], company: int, unit: int, signed: int) -> None:
        rng = self.rng
        subjects = self.company_subjects[company]
        cents = int(10 ** rng.uniform(6.5, 9.5))  # 3万 to 3千万 yuan
        rows["supply_contract"].append(
            {
                "id": self._id("supply_contract"),
                "organization_id": company,
                "unit_id": unit,
                "subject": subjects[int(rng.random() * len(subjects))],
                "amount": Decimal(cents) / 100,
                "signed_on": date.fromordinal(min(signed, REF)),
                **self._contract_period(min(signed, REF)),
            }
        )

    def _organization_links(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        family: list[tuple[int, str, str, int | None, str, str | None]],
        associates: list[tuple[int, str]],
        tenures: list[tuple[int, int, int | None]],
        rank: int,
        work_start: int,
    ) -> bool:
        """Returns whether the cadre holds an unapproved part-time position."""
        rng = self.rng
        random_ = rng.random
        randint = rng.randint
        roles = rows["organization_role"]
        companies = self.company_ids
        owned: list[int] = []  # companies owned or directed by relatives
        unapproved = False

        def role(person_id: int, company: int, kind: str) -> None:
            roles.append({"id": self._id("organization_role"), "organization_id": company,
                          "person_id": person_id, "cadre_id": None, "role": kind, **self._period(0.35, 0.15),
                          **self._reported("市场监督管理局")})

        working: list[int] = []
        for person_id, _kind, _name, birth, _employer, emigrated in family:
            if birth is None or emigrated is not None:
                continue  # a shared parent (already placed) or abroad
            age = (REF - birth) / YEAR
            if age < 23 or age >= 68:
                continue
            working.append(person_id)
            if random_() < 0.145:
                company = companies[int(rng.random() * len(companies))]
                role_kind = rng.choices(("owner", "director", "employee"), cum_weights=(35, 60, 100))[0]
                role(person_id, company, role_kind)
                if role_kind != "employee":
                    owned.append(company)
        for person_id, kind in associates:
            if kind == "business_partner" and random_() < 0.5:
                role(person_id, companies[int(rng.random() * len(companies))], "owner" if random_() < 0.6 else "director")

        # A relative's company supplies the cadre's own (current or past) unit.
        if random_() < CONFLICT_SHARE and working:
            if not owned:
                company = companies[int(rng.random() * len(companies))]
                role(working[int(rng.random() * len(working))], company, "owner" if random_() < 0.6 else "director")
                owned.append(company)
            unit, begin, end = tenures[-1] if random_() < 0.65 or len(tenures) == 1 else tenures[rng.randrange(len(tenures) - 1)]
            finish = REF if end is None else end
            self._contract(rows, owned[int(rng.random() * len(owned))], unit, randint(begin, max(begin, finish)))

        # Ordinary supply contracts between companies and units.
        if random_() < 0.2:
            company = companies[int(rng.random() * len(companies))]
            self._contract(rows, company, randint(1, len(self.unit_name)), REF - randint(0, 6 * 365))

        # Part-time positions (兼职): ~5 % of cadres, some unapproved, some paid.
        if random_() < (0.075 if rank >= 2 else 0.037):
            for _ in range(2 if random_() < 0.1 else 1):
                at_company = random_() < 0.25 or not self.association_ids
                if at_company:
                    organization = companies[int(rng.random() * len(companies))]
                    title = self.company_title(rng)
                    approved = random_() < 0.35
                    paid = random_() < 0.45
                else:
                    organization = self.association_ids[int(rng.random() * len(self.association_ids))]
                    title = self.association_title(rng)
                    approved = random_() < 0.75
                    paid = random_() < 0.15
                start = max(work_start + 365, REF - randint(30, 15 * 365))
                start = min(start, REF - 1)
                end = None
                if random_() < 0.3:
                    end = start + randint(0, REF - start)
                rows["part_time_position"].append(
                    {
                        "id": self._id("part_time_position"),
                        "cadre_id": cadre_id,
                        "organization_id": organization,
                        "title": title,
                        "approved": approved,
                        "paid": paid,
                        "start_date": date.fromordinal(start),
                        "end_date": None if end is None else date.fromordinal(end),
                        **self._reported("本人报告"),
                    }
                )
                unapproved = unapproved or not approved
        return unapproved

    def _negative_records(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        city: bool,
        work_start: int,
        tenure_units: list[int],
    ) -> list[tuple[str, str, int]]:
        """Negative list items: (category, status, reported on)."""
        rng = self.rng
        randint = rng.randint
        if rng.random() >= (0.11 if city else 0.05):
            return []
        count = rng.choices((1, 2, 3), cum_weights=(90, 98, 100))[0]
        result = []
        for _ in range(count):
            category, agency, _weight, severities = self.negative(rng)
            if category == "family_planning":
                low, high = date(2008, 1, 1).toordinal(), date(2015, 12, 31).toordinal()
            else:
                low, high = REF - 8 * 365, REF - 10
            low = max(low, work_start + 30)
            occurred = randint(low, high) if low <= high else max(work_start, min(high, REF - 10))
            reported = min(REF, occurred + randint(0, 150))
            severity = rng.choices(("minor", "serious", "grave"), weights=severities)[0]
            status = rng.choices(STATUSES, weights=PETITION_STATUS_WEIGHTS if category == "petition_report" else STATUS_WEIGHTS)[0]
            day = date.fromordinal(occurred)
            templates = V.NEGATIVE_FACTS[category]
            facts = templates[int(rng.random() * len(templates))].format(
                unit=self.unit_name[tenure_units[int(rng.random() * len(tenure_units))] - 1],
                year=day.year,
                month=day.month,
                amount=f"{rng.uniform(2, 300):.1f}",
                company=self.company_name[self.company_ids[int(rng.random() * len(self.company_ids))]],
            )
            conclusion = None
            if status in V.CONCLUSIONS:
                options = V.CONCLUSIONS[status]
                conclusion = options[int(rng.random() * len(options))]
            rows["negative_record"].append(
                {
                    "id": self._id("negative_record"),
                    "cadre_id": cadre_id,
                    "reporting_agency": agency,
                    "category": category,
                    "facts": facts,
                    "occurred_on": day,
                    "reported_on": date.fromordinal(reported),
                    "severity": severity,
                    "status": status,
                    "conclusion": conclusion,
                    "version": 1,
                    "updated_at": STAMP,
                }
            )
            result.append((category, status, reported))
        return result

    def _personal_matters(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        city: bool,
        family: list[tuple[int, str, str, int | None, str, str | None]],
        jurisdiction: int,
    ) -> list[tuple[str, int]]:
        """Reports for 2024 and 2025 with their items; returns (finding, verified on) of verified ones."""
        rng = self.rng
        randint = rng.randint
        random_ = rng.random
        if random_() >= (0.95 if city else 0.42):
            return []
        declared: list[tuple[str, str]] = []
        spouse = next((entry for entry in family if entry[1] == "spouse"), None)
        if spouse is None:
            declared.append(("marriage", "未婚"))
        else:
            declared.append(("marriage", f"已婚，配偶{spouse[2]}"))
            if spouse[5]:
                declared.append(("emigration", f"配偶{spouse[2]}已移居{spouse[5]}"))
            elif spouse[4]:
                declared.append(("employment", f"配偶{spouse[2]}在{spouse[4]}工作"))
        for _person_id, kind, name, birth, employer, emigrated in family:
            if kind != "child" or birth is None:
                continue
            if emigrated:
                declared.append(("emigration", f"子女{name}已移居{emigrated}"))
            elif employer and (REF - birth) / YEAR >= 23:
                declared.append(("employment", f"子女{name}在{employer}工作"))
            elif employer:
                declared.append(("study", f"子女{name}在{employer}就读"))
        place = V.JURISDICTION_NAMES[jurisdiction]
        for _ in range(rng.choices((1, 2, 3), cum_weights=(50, 85, 100))[0]):
            estate = rng.choice(V.ESTATES)  # drawn in this order: the same seed gives the same data
            flat = f"{randint(1, 30)}幢{randint(1, 24)}0{randint(1, 4)}室"
            declared.append(("real_estate", f"{place}{estate}{flat}，建筑面积{randint(60, 180)}平方米"))
        if random_() < 0.5:
            declared.append(("investment", f"持有股票、基金市值约{randint(2, 120)}万元"))
        if random_() < 0.4:
            declared.append(("insurance", f"投保商业保险，年缴保费{randint(1, 6)}万元"))
        verified_findings: list[tuple[str, int]] = []
        for year in (2024, 2025):
            report_id = self._id("personal_matters_report")
            submitted = date(year, 1, 10).toordinal() + randint(0, 75)
            verified = None
            if random_() < 0.4:
                verified = min(REF, submitted + randint(20, 240))
            rows["personal_matters_report"].append(
                {
                    "id": report_id,
                    "cadre_id": cadre_id,
                    "year": year,
                    "submitted_on": date.fromordinal(submitted),
                    "verified_on": None if verified is None else date.fromordinal(verified),
                    "version": 1,
                    "updated_at": STAMP,
                }
            )
            items = declared[:]
            while len(items) < 3:
                items.append(("insurance", f"投保商业保险，年缴保费{randint(1, 6)}万元"))
            hidden: tuple[str, str] | None = None
            finding = "consistent"
            if verified is not None:
                draw = random_()
                if draw < 0.025:
                    finding = "concealment"
                    if random_() < 0.5:
                        hidden = ("real_estate", f"未报告{place}{rng.choice(V.ESTATES)}房产一套，建筑面积{randint(90, 260)}平方米")
                    else:
                        company = self.company_name[self.company_ids[int(rng.random() * len(self.company_ids))]]
                        hidden = ("business", f"配偶在{company}持股{randint(10, 60)}%未报告")
                elif draw < 0.125:
                    finding = "omission"
                    hidden = rng.choice((
                        ("insurance", f"漏报商业保险一份，年缴保费{randint(1, 3)}千元"),
                        ("investment", f"漏报基金账户一个，市值约{randint(1, 9)}万元"),
                        ("real_estate", f"漏报{place}车位一个"),
                    ))
                verified_findings.append((finding, verified))
            items = items[: 7 if hidden else 8]
            matter_rows = rows["matter_item"]
            for category, description in items:
                matter_rows.append(
                    {
                        "id": self._id("matter_item"),
                        "report_id": report_id,
                        "category": category,
                        "description": description,
                        "declared": True,
                        "found": verified is not None,
                        "finding": "pending" if verified is None else "consistent",
                    }
                )
            if hidden is not None:
                matter_rows.append(
                    {
                        "id": self._id("matter_item"),
                        "report_id": report_id,
                        "category": hidden[0],
                        "description": hidden[1],
                        "declared": False,
                        "found": True,
                        "finding": finding,
                    }
                )
        return verified_findings

    def _supervision(
        self,
        rows: dict[str, list[dict[str, Any]]],
        cadre_id: int,
        negatives: list[tuple[str, str, int]],
        matters: list[tuple[str, int]],
        tenures: list[tuple[int, int, int | None]],
        unapproved: bool,
    ) -> None:
        rng = self.rng
        randint = rng.randint
        random_ = rng.random
        actions: list[tuple[str, str, int]] = []  # cause, issued by, issued after
        for finding, verified in matters:
            if finding == "concealment":
                actions.append(("concealment", "org", verified))
            elif finding == "omission" and random_() < 0.2:
                actions.append(("omission", "org", verified))
        for _category, status, reported in negatives:
            if status in ("verifying", "partly_confirmed") and random_() < 0.3:
                actions.append(("negative_inquiry", "discipline" if random_() < 0.5 else "org", reported))
            elif status == "confirmed" and random_() < 0.1:
                actions.append(("negative_confirmed", "org", reported))
        if tenures[-1][2] is None and REF - tenures[-1][1] > 3650 and random_() < 0.1:
            actions.append(("long_tenure", "org", REF - randint(30, 300)))
        if unapproved and random_() < 0.3:
            actions.append(("part_time", "org", REF - randint(30, 500)))
        if random_() < 0.008:
            cause = rng.choice(("conduct", "complaint", "audit"))
            actions.append((cause, "discipline" if cause == "complaint" and random_() < 0.5 else "org", REF - randint(10, 700)))
        for cause, issued_by, after in actions:
            kind, reasons, replies = V.SUPERVISION_CAUSES[cause]
            issued = min(REF, after + randint(5, 40))
            due = reply = replied = None
            if kind == "inquiry_letter":
                due = issued + rng.choice((15, 30))
            elif kind == "rectification":
                due = issued + randint(30, 90)
            if replies and random_() < (0.7 if kind == "inquiry_letter" else 0.6) and issued < REF:
                replied = min(REF, issued + randint(5, 40 if kind == "inquiry_letter" else 100))
                reply = replies[int(rng.random() * len(replies))]
            rows["supervision_action"].append(
                {
                    "id": self._id("supervision_action"),
                    "cadre_id": cadre_id,
                    "kind": kind,
                    "issued_by": issued_by,
                    "issued_on": date.fromordinal(issued),
                    "due_on": None if due is None else date.fromordinal(due),
                    "reason": reasons[int(rng.random() * len(reasons))],
                    "reply": reply,
                    "replied_on": None if replied is None else date.fromordinal(replied),
                    "version": 1,
                    "updated_at": STAMP,
                }
            )

    def _selection(
        self, rows: dict[str, list[dict[str, Any]]], cadre_id: int, rank: int, jurisdiction: int, connected: list[int]
    ) -> None:
        """About one selection per 50 cadres: 2-3 nominees of a rank, each with a first nominator.

        The first nominator is a cadre of at least the post's rank; for about a third of the
        selections it is someone the nominee has a tie with (what investigators look for).
        """
        rng = self.rng
        randint = rng.randint
        if rng.random() >= 0.02:
            return
        post_rank = min(rank + 1, 3)
        post_jurisdiction = 0 if post_rank >= 2 else jurisdiction
        posts = self.posts_by.get((post_jurisdiction, post_rank)) or self.posts_by_rank[post_rank]
        peers = self.by_rank.buffers.get((rank, jurisdiction))
        nominators: list[int] = []
        for nominator_rank in range(post_rank, 4):
            buffer = self.by_rank.buffers.get((nominator_rank, 0 if nominator_rank >= 2 else jurisdiction))
            if buffer:
                nominators.extend(buffer)
        if not posts or not peers or not nominators:
            return
        nominees = [cadre_id]
        exclude = {cadre_id}
        self.by_rank.draw(rng, (rank, jurisdiction), 1 if rng.random() < 0.6 else 2, nominees, exclude)
        nominators = [other for other in nominators if other not in exclude]
        if len(nominees) < 2 or not nominators:
            return
        close = [other for other in connected if self.cadre_rank[other - 1] >= post_rank and other not in exclude]
        selection_id = self._id("selection")
        status = rng.choices(SELECTION_STATUSES, weights=SELECTION_STATUS_WEIGHTS)[0]
        opened = REF - randint(5, 400)
        post = posts[int(rng.random() * len(posts))]
        rows["selection"].append(
            {
                "id": selection_id,
                "post_id": post,
                "opened_on": date.fromordinal(opened),
                "status": status,
                "notes": f"拟任{self.unit_name[self.post_unit[post - 1] - 1]}{self.post_title[post - 1]}。"
                + rng.choice(V.SELECTION_NOTES),
                "version": 1,
                "updated_at": STAMP,
            }
        )
        if close and rng.random() < 0.4:
            main_nominator = close[int(rng.random() * len(close))]
        else:
            main_nominator = nominators[int(rng.random() * len(nominators))]
        for nominee in nominees:
            nominator = main_nominator if rng.random() < 0.7 else nominators[int(rng.random() * len(nominators))]
            scored = status != "open" or rng.random() < 0.5
            scores = [randint(50, 100) for _ in V.FIT_DIMENSIONS] if scored else [None] * 5
            rows["nomination"].append(
                {
                    "id": self._id("nomination"),
                    "selection_id": selection_id,
                    "nominee_id": nominee,
                    "nominator_id": nominator,
                    "nominated_on": date.fromordinal(min(REF, opened + randint(0, 14))),
                    **dict(zip(V.FIT_DIMENSIONS, scores)),
                    "version": 1,
                    "updated_at": STAMP,
                }
            )


def _check_empty(engine: Engine) -> None:
    inspector = inspect(engine)
    missing = [table for table in TABLES if not inspector.has_table(table)]
    if missing:
        raise SeedError(f"the database is not migrated (missing tables: {', '.join(missing)}); run the migrations first")
    tables = Base.metadata.tables
    with engine.connect() as connection:
        cadres = connection.execute(select(func.count()).select_from(tables["cadre"])).scalar_one()
        if cadres:
            raise SeedError(f"the database already holds {cadres} cadres; seed only an empty database")
        for table in TABLES:
            if connection.execute(select(tables[table].c.id).limit(1)).first() is not None:
                raise SeedError(f"the database is not empty (table {table!r} has rows); seed only an empty database")


def _reset_sequences(engine: Engine) -> None:
    """PostgreSQL: move every id sequence past the explicitly inserted ids."""
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                )
            )


def seed_database(
    engine: Engine, *, cadres: int, seed: int = 7, batch_size: int = 2000, progress: bool = True
) -> SeedSummary:
    """Fill an empty, migrated database with `cadres` cadres and everything around them.

    Deterministic: the same (cadres, seed) gives the same rows whatever `batch_size` is.
    Raises SeedError if the database is not migrated or already holds data.
    """
    if cadres < 1:
        raise ValueError("cadres must be at least 1")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    _check_empty(engine)
    tables = Base.metadata.tables
    generator = _Generator(cadres, seed)

    reference = generator.reference()
    with engine.begin() as connection:
        for table in REFERENCE_TABLES:
            rows = reference[table]
            for start in range(0, len(rows), 5000):
                connection.execute(insert(tables[table]), rows[start : start + 5000])
    del reference

    with Progress(
        TextColumn("[bold]seeding cadres"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not progress,
    ) as bar:
        task = bar.add_task("cadres", total=cadres)
        for done, batch in generator.batches(batch_size):
            with engine.begin() as connection:
                for table in BATCH_TABLES:
                    if batch[table]:
                        connection.execute(insert(tables[table]), batch[table])
            bar.advance(task, done)

    if engine.dialect.name == "postgresql":
        _reset_sequences(engine)
    return SeedSummary(counts=dict(generator.counts))
