"""The catalogue of screening and detection rules in GraphQL: what every finding cites."""

from __future__ import annotations

import strawberry

from hub.core.rule_catalogue import Rule, catalogue


@strawberry.type(name="DetectionRule", description="A screening or detection rule: the regulation a finding applies.")
class DetectionRuleType:
    source: strawberry.Private[Rule]

    @strawberry.field(description="The code findings name it by.")
    def code(self) -> str:
        return self.source.code

    @strawberry.field(description="screening (of nominees), detection (over all cadres) or audit (of the access audit).")
    def kind(self) -> str:
        return self.source.kind

    @strawberry.field(description="low, medium or high.")
    def severity(self) -> str:
        return self.source.severity

    @strawberry.field(description="Its name in Chinese.")
    def name(self) -> str:
        return self.source.name_zh

    @strawberry.field(description="Its name in English.")
    def name_en(self) -> str:
        return self.source.name_en

    @strawberry.field(description="The regulation it applies, as cited in a report.")
    def regulation(self) -> str:
        return self.source.regulation

    @strawberry.field(description="The article of the regulation, where the catalogue names one (else empty).")
    def article(self) -> str:
        return self.source.article

    @strawberry.field(description="The `Type.field`s whose values its firing discloses.")
    def reveals(self) -> list[str]:
        return list(self.source.reveals)


def citation(code: str) -> DetectionRuleType:
    return DetectionRuleType(source=catalogue()[code])


@strawberry.type
class RuleQueries:
    @strawberry.field(description="Every screening and detection rule, with the regulation it applies.")
    def detection_rules(self) -> list[DetectionRuleType]:
        return [DetectionRuleType(source=rule) for rule in catalogue().values()]
