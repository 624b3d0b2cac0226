"""A small, hand-made world with known answers: three units, four cadres, their circles and records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub import models
from hub.models import enums as E
from hub.validation import id_check_char


def id_number(area: str, birth: date, sequence: int) -> str:
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


C1_ID = id_number("330502", date(1970, 5, 1), 11)
C2_ID = id_number("330502", date(1978, 8, 9), 23)
C3_ID = id_number("330502", date(1982, 1, 15), 35)
C4_ID = id_number("330502", date(1975, 11, 30), 42)
R1_ID = id_number("330502", date(1972, 2, 2), 24)


def cadre(
    id: int, name: str, id_no: str, birth: date, rank: E.Rank, level: E.ManagementLevel, unit_id: int, jurisdiction: str
) -> models.Cadre:
    return models.Cadre(
        id=id, name=name, gender=E.Gender.MALE, birth_date=birth, ethnicity="汉族", native_place="浙江湖州",
        id_number=id_no, party_join_date=date(birth.year + 22, 7, 1), work_start_date=date(birth.year + 21, 8, 1),
        education=E.Education.BACHELOR, rank=rank, management_level=level, reserve_tier=None,
        unit_id=unit_id, jurisdiction=jurisdiction,
    )


def build_world(session: Session) -> None:
    city, county = E.ManagementLevel.CITY, E.ManagementLevel.COUNTY
    session.add_all([
        models.Unit(id=1, name="湖州市财政局", jurisdiction="huzhou", level=city),
        models.Unit(id=2, name="吴兴区住建局", jurisdiction="wuxing", level=county),
        models.Unit(id=3, name="湖州市交通运输局", jurisdiction="huzhou", level=city),
    ])
    session.flush()
    weights = {"political_quality": 0.3, "professional_ability": 0.3, "responsibility": 0.1,
               "performance": 0.2, "reputation": 0.1}
    session.add_all([
        models.Post(id=1, unit_id=1, title="局长", rank=E.Rank.DIVISION, quota=1, is_key_post=True, requirements=weights),
        models.Post(id=2, unit_id=1, title="副局长", rank=E.Rank.DEPUTY_DIVISION, quota=2, is_key_post=False, requirements={}),
        models.Post(id=3, unit_id=2, title="局长", rank=E.Rank.SECTION, quota=1, is_key_post=True, requirements={}),
        models.Post(id=4, unit_id=3, title="副局长", rank=E.Rank.DEPUTY_DIVISION, quota=1, is_key_post=False, requirements={}),
    ])
    session.add_all([
        cadre(1, "王建国", C1_ID, date(1970, 5, 1), E.Rank.DIVISION, city, 1, "huzhou"),
        cadre(2, "李明", C2_ID, date(1978, 8, 9), E.Rank.DEPUTY_DIVISION, city, 1, "huzhou"),
        cadre(3, "张伟", C3_ID, date(1982, 1, 15), E.Rank.SECTION, county, 2, "wuxing"),
        cadre(4, "陈静", C4_ID, date(1975, 11, 30), E.Rank.DEPUTY_DIVISION, city, 3, "huzhou"),
    ])
    session.flush()
    session.add_all([
        models.Tenure(id=1, cadre_id=1, post_id=2, start_date=date(2008, 1, 1), end_date=date(2014, 12, 31)),
        models.Tenure(id=2, cadre_id=1, post_id=1, start_date=date(2015, 1, 1)),
        models.Tenure(id=3, cadre_id=2, post_id=2, start_date=date(2019, 3, 1)),
        models.Tenure(id=4, cadre_id=3, post_id=3, start_date=date(2012, 6, 1)),
        models.Tenure(id=5, cadre_id=4, post_id=4, start_date=date(2020, 9, 1)),
    ])
    session.add_all([
        models.Person(id=1, name="周丽", gender=E.Gender.FEMALE, birth_date=date(1972, 2, 2), id_number=R1_ID,
                      occupation="经理", employer="湖州恒达建材有限公司", jurisdiction="huzhou"),
        models.Person(id=2, name="王小明", gender=E.Gender.MALE, birth_date=date(1998, 4, 4), occupation="学生",
                      employer="", emigrated_to="加拿大", jurisdiction="huzhou"),
        models.Person(id=3, name="赵强", gender=E.Gender.MALE, occupation="商人", employer="湖州恒达建材有限公司",
                      jurisdiction="huzhou"),
        models.Person(id=4, name="刘芳", gender=E.Gender.FEMALE, occupation="教师", employer="吴兴区实验小学",
                      jurisdiction="wuxing"),
    ])
    session.flush()
    session.add_all([
        models.Kinship(id=1, cadre_id=1, person_id=1, kind=E.KinshipKind.SPOUSE),
        models.Kinship(id=2, cadre_id=1, person_id=2, kind=E.KinshipKind.CHILD),
        models.Kinship(id=3, cadre_id=3, person_id=4, kind=E.KinshipKind.SPOUSE),
        models.SocialTie(id=1, cadre_id=1, person_id=3, kind=E.TieKind.CLASSMATE, source="档案"),
        models.SocialTie(id=2, cadre_id=1, other_cadre_id=2, kind=E.TieKind.FORMER_COLLEAGUE, source="任职经历"),
        models.Organization(id=1, name="湖州恒达建材有限公司", kind=E.OrganizationKind.COMPANY,
                            credit_code="91330502MA2B3C4D5E", industry="建材"),
        models.Organization(id=2, name="湖州市会计学会", kind=E.OrganizationKind.ASSOCIATION, industry="学会"),
    ])
    session.flush()
    session.add_all([
        models.OrganizationRole(id=1, organization_id=1, person_id=1, role=E.OrganizationRoleKind.OWNER),
        models.OrganizationRole(id=2, organization_id=1, person_id=3, role=E.OrganizationRoleKind.DIRECTOR),
        models.SupplyContract(id=1, organization_id=1, unit_id=1, subject="办公楼装修材料", amount=Decimal("860000.00"),
                              signed_on=date(2023, 5, 20)),
        models.PartTimePosition(id=1, cadre_id=2, organization_id=2, title="副会长", approved=False, paid=True,
                                start_date=date(2021, 1, 1)),
        models.NegativeRecord(id=1, cadre_id=1, reporting_agency="police", category=E.NegativeCategory.PUBLIC_ORDER,
                              facts="酒后滋事，行政拘留五日", occurred_on=date(2023, 3, 3), reported_on=date(2023, 4, 1),
                              severity=E.Severity.SERIOUS, status=E.NegativeStatus.CONFIRMED, conclusion="属实"),
        models.NegativeRecord(id=2, cadre_id=2, reporting_agency="court", category=E.NegativeCategory.LITIGATION,
                              facts="民间借贷纠纷被诉", occurred_on=date(2022, 6, 1), reported_on=date(2022, 7, 1),
                              severity=E.Severity.MINOR, status=E.NegativeStatus.CLEARED, conclusion="不实，予以澄清"),
        models.NegativeRecord(id=3, cadre_id=3, reporting_agency="discipline",
                              category=E.NegativeCategory.DISCIPLINE_SANCTION, facts="违规发放津贴，党内警告",
                              occurred_on=date(2024, 1, 10), reported_on=date(2024, 2, 1),
                              severity=E.Severity.SERIOUS, status=E.NegativeStatus.REPORTED),
        models.NegativeRecord(id=4, cadre_id=1, reporting_agency="petition",
                              category=E.NegativeCategory.PETITION_REPORT, facts="群众来信反映插手工程",
                              occurred_on=date(2024, 5, 5), reported_on=date(2024, 5, 20),
                              severity=E.Severity.MINOR, status=E.NegativeStatus.VERIFYING),
        models.PersonalMattersReport(id=1, cadre_id=1, year=2025, submitted_on=date(2026, 1, 20),
                                     verified_on=date(2026, 3, 1)),
        models.SupervisionAction(id=1, cadre_id=2, kind=E.SupervisionKind.INQUIRY_LETTER, issued_by="org",
                                 issued_on=date(2026, 1, 5), due_on=date(2026, 1, 20), reason="兼职未经批准"),
        models.Selection(id=1, post_id=1, opened_on=date(2026, 5, 1), status=E.SelectionStatus.OPEN),
    ])
    session.flush()
    session.add_all([
        models.MatterItem(id=1, report_id=1, category=E.MatterCategory.REAL_ESTATE, description="住房一套",
                          declared=True, found=True, finding=E.MatterFinding.CONSISTENT),
        models.MatterItem(id=2, report_id=1, category=E.MatterCategory.BUSINESS, description="配偶经营建材公司",
                          declared=False, found=True, finding=E.MatterFinding.CONCEALMENT),
        models.Nomination(id=1, selection_id=1, nominee_id=2, nominator_id=4, nominated_on=date(2026, 5, 3),
                          political_quality=90, professional_ability=85, responsibility=88, performance=80, reputation=86),
    ])
    session.flush()


# Every value above that some agency must not read, keyed by the `Type.field` that holds it.
SECRET_VALUES: dict[str, list[str]] = {
    "Cadre.idNumber": [C1_ID, C2_ID, C3_ID, C4_ID],
    "Person.idNumber": [R1_ID],
    "NegativeRecord.facts": ["酒后滋事，行政拘留五日", "民间借贷纠纷被诉", "违规发放津贴，党内警告", "群众来信反映插手工程"],
    "Person.name": ["周丽", "王小明", "赵强", "刘芳"],
    "Person.employer": ["湖州恒达建材有限公司", "吴兴区实验小学"],
    "Organization.name": ["湖州恒达建材有限公司", "湖州市会计学会"],
    "MatterItem.description": ["住房一套", "配偶经营建材公司"],
    "SupervisionAction.reason": ["兼职未经批准"],
    "SupplyContract.subject": ["办公楼装修材料"],
    "PartTimePosition.title": ["副会长"],
}
