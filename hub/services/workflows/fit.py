"""Person-post fit (人岗相适): a post's weighted dimensions, candidates' scores, a ranked match, and the
rule that a key post goes to inspection only with at least two eligible candidates (1:2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import SelectionStatus
from hub.services.workflows import rules
from hub.services.workflows.base import (
    Actor,
    Problems,
    WrongState,
    check_version,
    flush,
    record_decision,
    visible,
)
from hub.services.workflows.rules import FitDimension, Verdict
from hub.services.workflows.screening import screen_cadres

SET_REQUIREMENTS = "setPostRequirements"
SCORE = "scoreNomination"
START_INSPECTION = "startInspection"
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class CandidateFit:
    nomination: models.Nomination
    rank: int
    score: float | None
    missing: tuple[FitDimension, ...]
    verdict: Verdict

    @property
    def eligible(self) -> bool:
        return self.verdict is not Verdict.DISQUALIFIED


@dataclass(frozen=True)
class FitRanking:
    selection: models.Selection
    post: models.Post
    weights: Mapping[str, float]
    weights_from_post: bool
    minimum_candidates: int
    candidates: list[CandidateFit]

    @property
    def eligible_candidates(self) -> int:
        return sum(1 for candidate in self.candidates if candidate.eligible)

    @property
    def meets_minimum(self) -> bool:
        return self.eligible_candidates >= self.minimum_candidates


def set_post_requirements(
    session: Session, actor: Actor, post_id: int, weights: Mapping[FitDimension, float], given: int,
    expected_version: int | None = None,
) -> models.Post:
    actor.require(SET_REQUIREMENTS)
    problems = Problems()
    if len(weights) != given:
        problems.add("weights", "a dimension is listed twice")
    if any(weight < 0 for weight in weights.values()):
        problems.add("weights", "weights must not be negative")
    if weights and abs(sum(weights.values()) - 1.0) > WEIGHT_TOLERANCE:
        problems.add("weights", "weights must sum to 1")
    problems.raise_if_any()
    post = visible(session, actor, models.Post, post_id, "post")
    check_version(post, expected_version)
    post.requirements = {dimension.value: float(weight) for dimension, weight in weights.items()}
    flush(session, post)
    record_decision(session, actor, SET_REQUIREMENTS, post, cadre_id=None,
                    note=", ".join(f"{name} {weight:g}" for name, weight in sorted(post.requirements.items())))
    flush(session)
    return post


def score_nomination(
    session: Session, actor: Actor, nomination_id: int, scores: Mapping[FitDimension, int | None],
    expected_version: int | None = None,
) -> models.Nomination:
    actor.require(SCORE)
    problems = Problems()
    low, high = rules.SCORE_RANGE
    for dimension, score in scores.items():
        if score is not None and not low <= score <= high:
            problems.add(f"scores.{_camel(dimension.value)}", f"must be between {low} and {high}")
    if not scores:
        problems.add("scores", "give at least one score")
    problems.raise_if_any()
    nomination = visible(session, actor, models.Nomination, nomination_id, "nomination")
    check_version(nomination, expected_version)
    for dimension, score in scores.items():
        setattr(nomination, dimension.value, score)
    flush(session, nomination)
    record_decision(session, actor, SCORE, nomination, cadre_id=nomination.nominee_id,
                    note=", ".join(f"{d.value} {s}" for d, s in sorted(scores.items(), key=lambda kv: kv[0].value)))
    flush(session)
    return nomination


def rank_candidates(session: Session, actor: Actor, selection_id: int, as_of: date) -> FitRanking:
    selection = visible(session, actor, models.Selection, selection_id, "selection")
    post = visible(session, actor, models.Post, selection.post_id, "post")
    from_post = bool(post.requirements)
    weights = dict(post.requirements) if from_post else dict(rules.EQUAL_WEIGHTS)
    nominations = list(session.scalars(
        select(models.Nomination)
        .where(models.Nomination.selection_id == selection.id, actor.scope(models.Nomination))
        .order_by(models.Nomination.id)
    ))
    screenings = screen_cadres(session, actor, [n.nominee_id for n in nominations], as_of)
    scored = []
    for nomination in nominations:
        fit = rules.fit_score(weights, {d.value: getattr(nomination, d.value) for d in FitDimension})
        screening = screenings.get(nomination.nominee_id)
        verdict = screening.verdict if screening is not None else Verdict.CLEAR
        scored.append((nomination, fit, verdict))
    scored.sort(key=lambda entry: (entry[2] is Verdict.DISQUALIFIED, entry[1].score is None, -(entry[1].score or 0), entry[0].id))
    candidates = [
        CandidateFit(nomination=nomination, rank=index + 1, score=fit.score, missing=fit.missing, verdict=verdict)
        for index, (nomination, fit, verdict) in enumerate(scored)
    ]
    return FitRanking(
        selection=selection, post=post, weights=weights, weights_from_post=from_post,
        minimum_candidates=rules.candidate_minimum(post.is_key_post), candidates=candidates,
    )


def start_inspection(
    session: Session, actor: Actor, selection_id: int, as_of: date, expected_version: int | None = None
) -> models.Selection:
    """OPEN → INSPECTING (考察), refused for a key post with fewer eligible candidates than the minimum."""
    actor.require(START_INSPECTION)
    ranking = rank_candidates(session, actor, selection_id, as_of)
    selection = ranking.selection
    check_version(selection, expected_version)
    if selection.status is not SelectionStatus.OPEN:
        raise WrongState(f"only an OPEN selection goes to inspection; this one is {selection.status.name}", selection.status.name)
    if not ranking.meets_minimum:
        raise WrongState(
            f"the post needs at least {ranking.minimum_candidates} eligible candidates for inspection; "
            f"the selection has {ranking.eligible_candidates}",
            selection.status.name,
        )
    selection.status = SelectionStatus.INSPECTING
    flush(session, selection)
    record_decision(session, actor, START_INSPECTION, selection, cadre_id=None, from_state="open", to_state="inspecting",
                    note=", ".join(f"nomination {c.nomination.id}" for c in ranking.candidates if c.eligible))
    flush(session)
    return selection


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
