"""Closed vocabularies of the domain (DOMAIN.md), stored by their string values."""

from __future__ import annotations

import enum


class Gender(enum.Enum):
    MALE = "male"
    FEMALE = "female"


class Rank(enum.Enum):
    """科级/处级, 正/副."""

    DEPUTY_SECTION = "deputy_section"  # 副科级
    SECTION = "section"  # 正科级
    DEPUTY_DIVISION = "deputy_division"  # 副处级
    DIVISION = "division"  # 正处级


class ManagementLevel(enum.Enum):
    """干部管理权限: who manages the cadre."""

    CITY = "city"  # 市管
    COUNTY = "county"  # 县管


class Education(enum.Enum):
    SECONDARY = "secondary"
    JUNIOR_COLLEGE = "junior_college"
    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


class KinshipKind(enum.Enum):
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    PARENT_IN_LAW = "parent_in_law"
    SIBLING_IN_LAW = "sibling_in_law"
    CHILD_IN_LAW = "child_in_law"


class TieKind(enum.Enum):
    """The social circle (社交圈)."""

    CLASSMATE = "classmate"
    COMRADE_IN_ARMS = "comrade_in_arms"
    FORMER_COLLEAGUE = "former_colleague"
    NEIGHBOUR = "neighbour"
    FELLOW_TOWNSMAN = "fellow_townsman"
    BUSINESS_PARTNER = "business_partner"


class OrganizationKind(enum.Enum):
    COMPANY = "company"
    ASSOCIATION = "association"
    INSTITUTION = "institution"


class OrganizationRoleKind(enum.Enum):
    OWNER = "owner"  # OWNS
    DIRECTOR = "director"  # DIRECTS
    EMPLOYEE = "employee"  # WORKS_AT


class NegativeCategory(enum.Enum):
    """The negative list (负面清单) categories named in the seeds."""

    CRIMINAL_EXEMPTION = "criminal_exemption"  # 免予刑事处罚
    CASE_FILED = "case_filed"  # 立案审查调查
    PETITION_REPORT = "petition_report"  # 信访举报
    DISCIPLINE_SANCTION = "discipline_sanction"  # 党纪政务处分
    FAMILY_PLANNING = "family_planning"  # 违反计划生育
    FINANCIAL_DISCIPLINE = "financial_discipline"  # 违反财经纪律
    INEFFECTIVE_WORK = "ineffective_work"  # 维稳、政法、环保、安全生产工作不力
    OTHER_VIOLATION = "other_violation"  # 其他违法违规
    DERELICTION = "dereliction"  # 失职失责
    IMPROPER_SPEECH = "improper_speech"  # 不当言论
    PUBLIC_ORDER = "public_order"  # 治安违法
    LITIGATION = "litigation"  # 涉法涉诉
    PROSECUTION = "prosecution"  # 检察
    AUDIT_FINDING = "audit_finding"  # 经济责任审计


class Severity(enum.Enum):
    MINOR = "minor"
    SERIOUS = "serious"
    GRAVE = "grave"


class NegativeStatus(enum.Enum):
    REPORTED = "reported"
    VERIFYING = "verifying"
    CONFIRMED = "confirmed"
    PARTLY_CONFIRMED = "partly_confirmed"
    CLEARED = "cleared"  # unfounded and cleared (澄清)


class MatterCategory(enum.Enum):
    """个人有关事项报告 items."""

    MARRIAGE = "marriage"
    EMIGRATION = "emigration"
    EMPLOYMENT = "employment"
    STUDY = "study"
    BUSINESS = "business"
    REAL_ESTATE = "real_estate"
    INVESTMENT = "investment"
    INSURANCE = "insurance"


class MatterFinding(enum.Enum):
    CONSISTENT = "consistent"
    OMISSION = "omission"  # 漏报
    CONCEALMENT = "concealment"  # 瞒报
    PENDING = "pending"


class SupervisionKind(enum.Enum):
    REMINDER_TALK = "reminder_talk"  # 提醒谈话
    INQUIRY_LETTER = "inquiry_letter"  # 函询
    ADMONISHMENT = "admonishment"  # 诫勉
    RECTIFICATION = "rectification"  # 限期整改
    PROBLEM_FILE = "problem_file"  # 问题档案


class SelectionStatus(enum.Enum):
    OPEN = "open"
    INSPECTING = "inspecting"
    PUBLIC_NOTICE = "public_notice"
    DECIDED = "decided"
    STOPPED = "stopped"
    SUSPENDED = "suspended"


class CaseStatus(enum.Enum):
    """An investigator's case, from opening to its outcome."""

    OPEN = "open"
    INVESTIGATING = "investigating"
    CLOSED_FOUNDED = "closed_founded"  # 查实
    CLOSED_UNFOUNDED = "closed_unfounded"  # 查否
    CLOSED_TRANSFERRED = "closed_transferred"  # 移送


class AppointmentRequestStatus(enum.Enum):
    """An employing unit's request to fill one of its posts (用人单位提出用人需求)."""

    SUBMITTED = "submitted"  # waiting for the Organization Department
    ACCEPTED = "accepted"  # a selection was opened for it
    DECLINED = "declined"  # refused, with a reason


class AlertStatus(enum.Enum):
    """A detection alert, from its finding to its handling; changed evidence reopens a handled one."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"  # seen, being looked at
    DISMISSED = "dismissed"  # looked at, nothing to pursue
    ESCALATED = "escalated"  # a case was opened from it
    REOPENED = "reopened"  # its evidence changed after it was handled, or came back after it lapsed
    LAPSED = "lapsed"  # a later run no longer found its evidence (unless a person had dismissed or escalated it)
