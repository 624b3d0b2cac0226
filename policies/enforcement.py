"""Compile the Casbin policy into one `AccessView` and one cut schema per agency, cached per policy version.

Casbin is asked once per (agency, governed object, action) when the policy loads, never per field per row.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import casbin
import strawberry

from hub.access import AccessView, Principal
from hub.agencies import Agencies
from policies.agencies import AGENCIES_FILE, load_agencies, schema_agency_codes
from policies.catalog import ROW_SCOPES, Catalog, build_catalog
from policies.narrowed import AgencyPolicy
from policies.schema_view import cut_schema
from policies.scopes import PolicyRowScope

POLICY_DIR = Path(__file__).resolve().parent
READ, READ_MASKED, WRITE = "read", "read_masked", "write"
WATCH_INTERVAL_SECONDS = 1.0
logger = logging.getLogger(__name__)
# Casbin parses its matcher with `ast.parse` on every `enforce`, and CPython 3.11's parser is not thread-safe (two
# threads parsing at once fail with "AST constructor recursion depth mismatch"): the policy is asked one thread at
# a time.
_ENFORCING = threading.Lock()


class UnknownAgency(Exception):
    """The token names an agency the policy gives nothing to."""


class AgenciesDiffer(ValueError):
    """The policy declares other agencies than those the full schema's `Agency` enum was built with, and the store
    has no way to build the schema again (it was given a schema, not how to build one)."""


# Builds the full schema for a policy's agencies (`schema.build.build_full_schema` with the hub's settings).
SchemaBuilder = Callable[[Agencies], strawberry.Schema]


@dataclass(frozen=True)
class AgencyGrant:
    """What the policy gives one agency, independent of who in it is asking."""

    readable: frozenset[str]
    masked: frozenset[str]
    writable: frozenset[str]
    scopes: dict[str, tuple[str, ...]]
    schema: strawberry.Schema
    purpose_required: bool


def load_enforcer(
    policy_dir: Path = POLICY_DIR, policy_db_url: str | None = None, adapter: Any | None = None
) -> casbin.Enforcer:
    """The model from `model.conf`; the policy from `policy.csv`, or from a database through the SQLAlchemy adapter
    (`adapter`, when given, is that database's adapter, reused so each reload does not open a new engine)."""
    model = str(policy_dir / "model.conf")
    if adapter is None and policy_db_url:
        adapter = policy_adapter(policy_db_url)
    return casbin.Enforcer(model, adapter if adapter is not None else str(policy_dir / "policy.csv"))


def policy_adapter(policy_db_url: str) -> Any:
    from casbin_sqlalchemy_adapter import Adapter

    return Adapter(policy_db_url)


def policy_digest(enforcer: casbin.Enforcer) -> str:
    """What the policy says, as a short hash: equal in every process that serves the same model and rules."""
    model = enforcer.get_model()
    digest = hashlib.sha256()
    for section in ("r", "p", "e", "m", "g"):
        for key, assertion in sorted(model.model.get(section, {}).items()):
            digest.update(f"{section}.{key} = {assertion.value}\n".encode())
            for rule in getattr(assertion, "policy", []):
                digest.update(f"{key}: {', '.join(rule)}\n".encode())
    return digest.hexdigest()[:16]


def policy_agencies(enforcer: casbin.Enforcer) -> list[str]:
    """Subjects that are agencies (not shared `role:` subjects)."""
    subjects = {rule[0] for rule in enforcer.get_policy()} | {rule[0] for rule in enforcer.get_grouping_policy()}
    return sorted(subject for subject in subjects if not subject.startswith("role:"))


class PolicyStore:
    """Compiles each agency's grant on first use; `reload()` re-reads the policy and drops every compiled grant.

    `refresh()` reloads only when the policy says something new, so processes that are told of a change twice (file
    watch and notification) or that started after it agree on `digest`; `version` counts this process's reloads.
    The policy's agencies (`agencies.csv`) are read with it. A reload that changes which agencies there are builds
    the full schema again with `build_schema` (its `Agency` enum holds them) and installs it with the new policy
    under one lock, so each agency's grant (its cut schema included) is compiled from one schema and one policy.
    A store given only a schema cannot build another, and refuses such a reload (`AgenciesDiffer`).
    """

    def __init__(
        self, full_schema: strawberry.Schema | None = None, policy_dir: Path = POLICY_DIR,
        policy_db_url: str | None = None, *, build_schema: SchemaBuilder | None = None,
    ) -> None:
        if full_schema is None:
            if build_schema is None:
                raise TypeError("PolicyStore needs a full schema or a way to build one")
            full_schema = build_schema(load_agencies(policy_dir))
        self.build_schema = build_schema
        self.full_schema = full_schema
        self.catalog: Catalog = build_catalog(full_schema._schema)
        self.schema_agencies = schema_agency_codes(full_schema._schema)
        self.policy_dir = policy_dir
        self.policy_db_url = policy_db_url
        self.version = 0
        self.digest = ""
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()  # one reload at a time: file watch and notifications
        self._grants: dict[str, AgencyGrant] = {}
        self._compiling: dict[str, threading.Lock] = {}  # one per agency: its concurrent first requests compile it once
        self._adapter = policy_adapter(policy_db_url) if policy_db_url else None
        self.reload()

    def reload(self) -> int:
        """Re-read the policy and serve it as a new version (even if unchanged); errors propagate."""
        with self._reload_lock:
            self._stamp = self._files_stamp()
            self._install(*self._load())
        return self.version

    def refresh(self, *, force: bool = False) -> bool:
        """Serve the policy's current content if it differs from what is served; True when a new version is served.

        Without `force`, a file-backed policy is re-read only when its files' modification times moved; a
        database-backed policy is always re-read (its rows have no modification time). A policy that fails to
        load is logged and the last good one kept.
        """
        with self._reload_lock:
            stamp = self._files_stamp()
            if not force and not self.policy_db_url and stamp == self._stamp:
                return False
            self._stamp = stamp
            try:
                enforcer, agencies, schema = self._load()
            except Exception:  # a broken policy must not take the hub down: keep serving the last good one
                logger.exception("policy reload failed; keeping policy version %s", self.version)
                return False
            if policy_digest(enforcer) == self.digest and agencies == self._declared and schema is None:
                return False
            self._install(enforcer, agencies, schema)
        logger.info("policy reloaded: version %s (%s)", self.version, self.digest)
        return True

    def _load(self) -> tuple[casbin.Enforcer, Agencies, strawberry.Schema | None]:
        """The policy, its agencies and, when they are not those of the schema served, the schema built for them."""
        declared = load_agencies(self.policy_dir)
        enforcer = load_enforcer(self.policy_dir, self.policy_db_url, self._adapter)
        codes = tuple(agency.code for agency in declared)
        if codes == self.schema_agencies:
            return enforcer, declared, None
        if self.build_schema is None:
            raise AgenciesDiffer(
                f"{self.policy_dir / AGENCIES_FILE} declares the agencies {', '.join(codes)}, but the schema was built "
                f"with {', '.join(self.schema_agencies)}: build it from the same policy (restart the hub)"
            )
        return enforcer, declared, self.build_schema(declared)

    def _install(self, enforcer: casbin.Enforcer, declared: Agencies, schema: strawberry.Schema | None = None) -> None:
        agencies = policy_agencies(enforcer)
        digest = policy_digest(enforcer)
        catalog = build_catalog(schema._schema) if schema is not None else None
        with self._lock:
            if schema is not None and catalog is not None:
                self.full_schema, self.catalog = schema, catalog
                self.schema_agencies = schema_agency_codes(schema._schema)
                logger.info("the Agency enum now holds %s", ", ".join(self.schema_agencies))
            self._enforcer = enforcer
            self._agencies = agencies
            self._declared = declared
            self._grants = {}
            self.digest = digest
            self.version += 1

    def _files_stamp(self) -> tuple[float, ...]:
        return tuple(
            path.stat().st_mtime_ns if path.exists() else 0.0
            for path in (self.policy_dir / name for name in ("model.conf", "policy.csv", AGENCIES_FILE))
        )

    @property
    def agencies(self) -> list[str]:
        """The agencies the policy gives something to (the subjects of its lines that are not `role:`s)."""
        return list(self._agencies)

    @property
    def declared_agencies(self) -> Agencies:
        """Every agency `agencies.csv` declares, with its names: the codes agency fields may hold."""
        return self._declared

    def grant(self, agency: str) -> AgencyGrant:
        """The agency's grant, compiled on its first use since start or a policy change (a second or more: Casbin
        decides every field, then its schema is cut). Requests of agencies already compiled are never held up."""
        grant = self._grants.get(agency)
        if grant is not None:
            return grant
        with self._lock:
            if agency not in self._agencies:
                raise UnknownAgency(agency)
            grants, enforcer, catalog, full_schema = self._grants, self._enforcer, self.catalog, self.full_schema
            compiling = self._compiling.setdefault(agency, threading.Lock())
        with compiling:
            grant = grants.get(agency)
            if grant is None:
                # Into the dict of the version it was compiled from: a reload meanwhile serves a new, empty one.
                grant = grants[agency] = self._compile(enforcer, catalog, full_schema, agency)
        return grant

    async def grant_off_loop(self, agency: str) -> AgencyGrant:
        """`grant` for a caller on an event loop: a grant still to compile is compiled in a thread, so the loop
        goes on serving the agencies already compiled."""
        grant = self._grants.get(agency)
        if grant is not None:
            return grant
        return await asyncio.to_thread(self.grant, agency)

    def may_read(self, agency: str, obj: str) -> bool:
        """Whether the policy lets `agency` read `obj` (`Type.field`), plain or masked, without compiling its grant."""
        enforcer = self._enforcer
        with _ENFORCING:
            return obj in self.catalog.read_objects and (
                enforcer.enforce(agency, obj, READ) or enforcer.enforce(agency, obj, READ_MASKED))

    def view(self, principal: Principal) -> tuple[AccessView, strawberry.Schema]:
        grant = self.grant(principal.agency)
        rows = PolicyRowScope(
            principal=principal,
            cadre_scopes=grant.scopes.get("Cadre", ()),
            negative_record_scopes=grant.scopes.get("NegativeRecord", ()),
            scopes=grant.scopes,
        )
        access = AccessView(
            principal=principal, readable=grant.readable, masked=grant.masked, writable=grant.writable, rows=rows,
            agencies=self._declared,
        )
        return access, grant.schema

    @staticmethod
    def _compile(enforcer: casbin.Enforcer, catalog: Catalog, full_schema: strawberry.Schema, agency: str) -> AgencyGrant:
        policy = AgencyPolicy(enforcer, agency)
        with _ENFORCING:
            readable = frozenset(obj for obj in catalog.read_objects if policy.allows(obj, READ))
            masked = frozenset(obj for obj in catalog.read_objects if obj not in readable and policy.allows(obj, READ_MASKED))
            writable = frozenset(obj for obj in catalog.write_objects if policy.allows(obj, WRITE))
            scopes = {
                type_name: tuple(name for name in names if policy.allows(f"Row.{type_name}", f"scope:{name}"))
                for type_name, names in ROW_SCOPES.items()
            }
            purpose_required = policy.allows("Request.purpose", "required")
        template = AccessView(
            principal=Principal(user="", agency=agency), readable=readable, masked=masked, writable=writable
        )
        return AgencyGrant(readable, masked, writable, scopes, cut_schema(full_schema, template), purpose_required)


def all_access_view(catalog: Catalog, principal: Principal | None = None) -> AccessView:
    """Everything readable and writable, every row: the baseline principal for tools and benchmarks."""
    who = principal or Principal(user="system", agency="system")
    return AccessView(principal=who, readable=catalog.read_objects, masked=frozenset(), writable=catalog.write_objects)


__all__ = [
    "AgenciesDiffer", "AgencyGrant", "PolicyStore", "SchemaBuilder", "UnknownAgency", "all_access_view", "load_enforcer",
    "policy_adapter", "policy_agencies", "policy_digest",
]
