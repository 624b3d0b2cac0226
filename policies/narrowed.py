"""Casbin asked over only the policy lines that can match one agency's requests for one action.

`model.conf`'s matcher is a conjunction holding `r.act == p.act` and `g(r.sub, p.sub)`: a line of another action,
or whose subject the agency neither is nor inherits, fails it for every object. Dropping those lines leaves every
decision as it was (an allow needs a matching allow line, a deny a matching deny line) and makes the ~1,100
decisions of a grant several times quicker. A model whose matcher is not such a conjunction is asked whole.
"""

from __future__ import annotations

import casbin

# The matcher's terms, as Casbin holds them (`r.act` becomes `r_act`) and with spaces taken out.
ACTION_TERM = "r_act==p_act"
SUBJECT_TERM = "g(r_sub,p_sub)"
SUBJECT, ACTION = 0, 2  # a policy line's fields: sub, obj, act, eft


def narrowable(enforcer: casbin.Enforcer) -> bool:
    """Whether the model's matcher is a plain conjunction that holds both the action and the subject term."""
    matcher = enforcer.model["m"]["m"].value
    if "||" in matcher:
        return False
    terms = {term.replace(" ", "") for term in matcher.split("&&")}
    return ACTION_TERM in terms and SUBJECT_TERM in terms


class AgencyPolicy:
    """`allows(obj, act)` for one agency, each action asked of an enforcer holding only that action's lines of the
    agency and of the roles it inherits (built on first use)."""

    def __init__(self, enforcer: casbin.Enforcer, agency: str) -> None:
        self.enforcer = enforcer
        self.agency = agency
        self._narrow = narrowable(enforcer)
        self._lines: dict[str, list[list[str]]] = {}  # by action: the lines of the agency and of its roles
        if self._narrow:
            subjects = {agency, *enforcer.get_implicit_roles_for_user(agency)}
            for line in enforcer.get_policy():
                if line[SUBJECT] in subjects:
                    self._lines.setdefault(line[ACTION], []).append(line)
        self._by_action: dict[str, casbin.Enforcer | None] = {}

    def allows(self, obj: str, act: str) -> bool:
        if not self._narrow:
            return bool(self.enforcer.enforce(self.agency, obj, act))
        if act not in self._by_action:
            self._by_action[act] = self._narrowed(act)
        narrowed = self._by_action[act]
        return narrowed is not None and bool(narrowed.enforce(self.agency, obj, act))

    def _narrowed(self, act: str) -> casbin.Enforcer | None:
        """An enforcer of the same model with this agency's lines for `act`; None when there are none (deny)."""
        lines = self._lines.get(act)
        if not lines:
            return None
        narrowed = casbin.Enforcer(casbin.Enforcer.new_model(text=self.enforcer.get_model().to_text()))
        narrowed.add_policies(lines)
        grouping = self.enforcer.get_grouping_policy()
        if grouping:
            narrowed.add_grouping_policies(grouping)
        return narrowed
