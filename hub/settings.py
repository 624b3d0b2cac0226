"""Settings read from environment variables, each with a default that runs on a fresh machine."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import DirectoryPath, Field, FilePath, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEV_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"
MIN_SECRET_BYTES = 32
PUBLIC_KEY_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
DEFAULT_JWKS_ALGORITHMS = ("RS256", "ES256", "EdDSA")
SECRET_ALGORITHMS = ("HS256", "HS384", "HS512")
# Purposes an agency that must state one may give without a case number (prefixes: "巡察：核查生活圈" names 巡察).
DEFAULT_PURPOSE_REASONS = ("线索核查", "巡察", "督查", "审查调查", "信访核查", "干部考察", "选任审查", "联合审查", "审计取证")
# A case number anywhere in the purpose: "(2025)浙0502刑初123号", "（2025）湖纪立字第12号" or "XC-2025-0012".
DEFAULT_PURPOSE_CASE_PATTERN = r"[(（]\d{4}[)）][\w\u4e00-\u9fff]{1,30}?\d{1,6}号|(?<![A-Za-z0-9])[A-Z]{2,8}-\d{4}-\d{1,6}(?![0-9])"


class InsecureConfiguration(RuntimeError):
    """The hub refuses to start in production with a development default or a missing key."""


class InvalidSettings(ValueError):
    """A HUB_* variable has a value the hub cannot use; the message is one line naming each such variable."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _default_var_dir() -> Path:
    return Path(_env("HUB_VAR_DIR", str(Path.cwd() / "var")))


@dataclass(frozen=True)
class Settings:
    """All knobs of the hub. `Settings.from_env()` documents every variable and its default."""

    var_dir: Path = field(default_factory=_default_var_dir)
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = "hub-local-password"
    neo4j_database: str | None = None  # None: the server's default (home) database
    neo4j_trusted_ca_file: Path | None = None  # PEM CAs to verify the server with (bolt:// and neo4j:// URIs)
    neo4j_port: int = 7687
    neo4j_home: Path | None = None
    jwt_secret: str = DEV_JWT_SECRET
    jwt_public_key: str | None = None
    jwt_algorithm: str = "HS256"
    jwt_max_ttl: int = 12 * 3600  # the longest `exp - iat` a token may have, in seconds
    jwt_issuer: str | None = None  # when set, tokens must carry this `iss`
    jwt_audience: str | None = None  # when set, tokens must carry this `aud`
    jwt_jwks_url: str | None = None  # an identity provider's JWKS: tokens are then verified with its keys only
    jwt_jwks_algorithms: tuple[str, ...] = DEFAULT_JWKS_ALGORITHMS  # what JWKS-verified tokens may be signed with
    jwt_jwks_cache_seconds: float = 60.0  # the longest fetched keys are used before they are fetched again
    jwt_jwks_refetch_seconds: float = 2.0  # the least time between a fetch and one an unknown `kid` causes
    # Where the principal's attributes are read in a token's claims; a dotted path reaches into nested claims.
    jwt_claim_user: str = "sub"
    jwt_claim_agency: str = "agency"
    jwt_claim_roles: str = "roles"
    jwt_claim_jurisdiction: str = "jurisdiction"
    jwt_claim_level: str = "level"
    jwt_claim_unit_id: str = "unit_id"
    persisted_queries_max: int = 1000  # query texts learned through Automatic Persisted Queries, least recent dropped
    audit_key: str | None = None  # the audit chain's HMAC key; else read from audit_key_file
    audit_key_file: Path | None = None  # default (development only): var_dir/audit.key, created on first use
    audit_anchor_file: Path | None = None  # append-only (count, hash) anchors of the chain; default var_dir/audit-anchors.log
    purpose_reasons: tuple[str, ...] = DEFAULT_PURPOSE_REASONS
    purpose_case_pattern: str = DEFAULT_PURPOSE_CASE_PATTERN
    # The audit review's thresholds (hub/services/audit_review.py).
    audit_volume_factor: float = 5.0  # a day's reads above this many times the user's own daily median alerts ...
    audit_volume_floor: int = 50  # ... once above this many reads
    audit_baseline_days: int = 14  # the days before it whose reads make the user's baseline
    audit_repeat_lookups: int = 5  # reads of one cadre by one user in one day that alert
    audit_bulk_cadres: int = 100  # cadres in one read that make it a bulk export
    audit_senior_ranks: str = "division"  # ranks whose reads alert unless the purpose's case or selection reaches them
    audit_purpose_hops: int = 2  # how far from a case's or selection's cadres, persons, organizations a read may go
    policy_dir: Path = PROJECT_ROOT / "policies"
    policy_db_url: str | None = None
    production: bool = False
    debug_sql: bool = False
    max_depth: int = 12
    max_cost: int = 1_000_000
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_request_bytes: int = 100_000
    allowed_operations_file: Path | None = None
    graph_request_seconds: float = 20.0  # the graph time one request may spend, across all its graph fields
    graph_request_nodes: int = 5000  # the graph nodes one request may ask for, across all its graph fields
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API (CORS); none by default
    metrics_token: str | None = None  # bearer token an operator shows for /metrics and /readyz's details
    metrics_bind: str | None = None  # host:port serving /metrics (and /readyz) apart; then absent from the public app
    cors_headers: tuple[str, ...] = ()  # request headers browsers may send, beyond the hub's own and trace context
    cache_control: str = "private, no-store"  # Cache-Control of GraphQL answers to GET
    log_format: str = "json"  # json | text
    log_level: str = "INFO"
    log_casbin: bool = False  # Casbin's line per authorization decision
    otel_endpoint: str | None = None  # OTLP/HTTP traces endpoint; tracing is off without one
    graph_sync: bool = True  # apply the graph outbox to Neo4j in the background while serving
    graph_warm_up: bool = True  # plan the graph queries for every agency in the background when serving starts
    db_pool_size: int = 10  # also the number of GraphQL requests served at once; the rest wait their turn
    # A fair share of those requests (hub/shell/fair_share.py); unset means half and two thirds of db_pool_size.
    share_per_user: int | None = None  # requests one user runs at once in a process
    share_per_agency: int | None = None  # requests one agency runs at once in a process
    share_user_queue: int = 100  # requests one user may have waiting (waiting costs no worker); beyond, 429
    share_wait_seconds: float = 10.0  # the longest a request waits for its turn; then 429
    # Graph time per user and per agency, counted in the database across processes (hub/core/usage_windows.py).
    graph_user_seconds: float = 120.0  # graph seconds one user may spend per window
    graph_agency_seconds: float = 600.0  # graph seconds one agency may spend per window
    graph_window_seconds: int = 60
    # How often a watchEvents subscription looks for new events without a wake-up (SQLite; PostgreSQL wakes it by
    # NOTIFY at once, this is then only the safety net).
    watch_poll_seconds: float = 1.0
    freeze_heap: bool = False  # keep the collector off long-lived objects (hub/heap.py); on in `from_env`
    # The detection schedule (hub/services/detection/schedule.py): off at 0; one process of all leads it.
    detect_interval_seconds: float = 0.0  # how often the leader runs the rules over what changed
    detect_full_seconds: float = 3600.0  # how often that run covers every cadre instead

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'hub.db'}")
        if self.neo4j_home is None:
            object.__setattr__(self, "neo4j_home", self.var_dir / "neo4j")
        if self.audit_anchor_file is None:
            object.__setattr__(self, "audit_anchor_file", self.var_dir / "audit-anchors.log")

    @classmethod
    def from_env(cls) -> Settings:
        """Every HUB_* variable, parsed and validated by `EnvSettings`; raises InvalidSettings on a bad value."""
        return read_environment().to_settings()


def _names(value: str | None) -> tuple[str, ...]:
    """A comma-separated list, blanks dropped."""
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


def _purpose_reasons(value: str | None) -> tuple[str, ...]:
    """HUB_PURPOSE_REASONS: reasons separated by commas or newlines; unset means the defaults."""
    if not value:
        return DEFAULT_PURPOSE_REASONS
    return tuple(reason.strip() for reason in value.replace("\n", ",").split(",") if reason.strip())


Port = Annotated[int, Field(ge=1, le=65535)]
Positive = Annotated[int, Field(gt=0)]
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP field name (RFC 9110 token)
NEO4J_URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
SECRET_VARIABLES = frozenset({"jwt_secret", "neo4j_password", "audit_key", "database_url", "policy_db_url", "metrics_token"})
# Routes outside GraphQL that an allow-list (HUB_ALLOWED_OPERATIONS_FILE) must name for them to be served.
ALLOW_LISTED_ROUTES = ("/reports/import",)
# CORS origins that would let any page (or any sandboxed or file:// page) call the API.
OPEN_CORS_ORIGINS = ("*", "null")


def _default(name: str) -> Any:
    """The default of a `Settings` field: every default is written there once, and the environment takes it."""
    return Settings.__dataclass_fields__[name].default


class EnvSettings(BaseSettings):
    """The HUB_* environment, parsed and validated; `to_settings()` builds the `Settings` the hub runs with.

    An empty variable counts as unset. Variables of the local Neo4j launcher (graph_sync/local_server.py reads
    them itself) are validated here too, so a bad value is reported before a JVM is started with it.
    """

    model_config = SettingsConfigDict(env_prefix="HUB_", env_ignore_empty=True, extra="ignore", frozen=True)

    var_dir: Path = Field(default_factory=lambda: Path.cwd() / "var")
    database_url: str | None = None  # default: sqlite:///<var_dir>/hub.db
    host: Annotated[str, Field(min_length=1)] = _default("host")
    port: Port = _default("port")
    neo4j_uri: str | None = None  # default: bolt://127.0.0.1:<neo4j_port>
    neo4j_user: Annotated[str, Field(min_length=1)] = _default("neo4j_user")
    neo4j_password: str = _default("neo4j_password")
    neo4j_database: str | None = None  # default: the server's default database
    neo4j_trusted_ca_file: FilePath | None = None
    neo4j_port: Port = _default("neo4j_port")
    neo4j_home: Path | None = None  # default: <var_dir>/neo4j
    jwt_secret: Annotated[str, Field(min_length=1)] = _default("jwt_secret")
    jwt_public_key_file: FilePath | None = None
    jwt_algorithm: str = _default("jwt_algorithm")
    jwt_max_ttl: Positive = _default("jwt_max_ttl")
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_jwks_url: str | None = None
    jwt_jwks_algorithms: str | None = None  # separated by commas; unset means the defaults
    jwt_jwks_cache_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("jwt_jwks_cache_seconds")
    jwt_jwks_refetch_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)] = _default("jwt_jwks_refetch_seconds")
    jwt_claim_user: Annotated[str, Field(min_length=1)] = _default("jwt_claim_user")
    jwt_claim_agency: Annotated[str, Field(min_length=1)] = _default("jwt_claim_agency")
    jwt_claim_roles: Annotated[str, Field(min_length=1)] = _default("jwt_claim_roles")
    jwt_claim_jurisdiction: Annotated[str, Field(min_length=1)] = _default("jwt_claim_jurisdiction")
    jwt_claim_level: Annotated[str, Field(min_length=1)] = _default("jwt_claim_level")
    jwt_claim_unit_id: Annotated[str, Field(min_length=1)] = _default("jwt_claim_unit_id")
    persisted_queries_max: Positive = _default("persisted_queries_max")
    audit_key: str | None = None
    audit_key_file: FilePath | None = None
    audit_anchor_file: Path | None = None  # default: <var_dir>/audit-anchors.log
    purpose_reasons: str | None = None  # separated by commas or newlines; unset means the defaults
    purpose_case_pattern: str = _default("purpose_case_pattern")
    audit_volume_factor: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("audit_volume_factor")
    audit_volume_floor: Positive = _default("audit_volume_floor")
    audit_baseline_days: Positive = _default("audit_baseline_days")
    audit_repeat_lookups: Positive = _default("audit_repeat_lookups")
    audit_bulk_cadres: Positive = _default("audit_bulk_cadres")
    audit_senior_ranks: str = _default("audit_senior_ranks")
    audit_purpose_hops: Positive = _default("audit_purpose_hops")
    policy_dir: DirectoryPath = _default("policy_dir")
    policy_db_url: str | None = None
    production: bool = _default("production")
    debug_sql: bool = _default("debug_sql")
    max_depth: Positive = _default("max_depth")
    max_cost: Positive = _default("max_cost")
    max_aliases: Positive = _default("max_aliases")
    max_tokens: Positive = _default("max_tokens")
    max_request_bytes: Positive = _default("max_request_bytes")
    allowed_operations_file: FilePath | None = None
    graph_request_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("graph_request_seconds")
    graph_request_nodes: Positive = _default("graph_request_nodes")
    cors_origins: str = ""  # separated by commas
    metrics_token: Annotated[str, Field(min_length=1)] | None = None
    metrics_bind: str | None = None
    cors_headers: str = ""  # separated by commas
    cache_control: Annotated[str, Field(pattern=r"^[ -~]+$")] = _default("cache_control")  # printable ASCII
    log_format: Literal["json", "text"] = _default("log_format")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = _default("log_level")
    log_casbin: bool = _default("log_casbin")
    otel_endpoint: str | None = None
    graph_sync: bool = _default("graph_sync")
    graph_warm_up: bool = _default("graph_warm_up")
    db_pool_size: Positive = _default("db_pool_size")
    share_per_user: Positive | None = None
    share_per_agency: Positive | None = None
    share_user_queue: Annotated[int, Field(ge=0)] = _default("share_user_queue")
    share_wait_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("share_wait_seconds")
    graph_user_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("graph_user_seconds")
    graph_agency_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("graph_agency_seconds")
    graph_window_seconds: Positive = _default("graph_window_seconds")
    watch_poll_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("watch_poll_seconds")
    freeze_heap: bool = True  # on when served; Settings() built in code (tests, tools) leaves it off
    detect_interval_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)] = _default("detect_interval_seconds")
    detect_full_seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)] = _default("detect_full_seconds")
    # Read by graph_sync/local_server.py, validated here only.
    neo4j_cache: Path | None = None
    neo4j_heap: str = "512m"
    neo4j_pagecache_mb: Positive = 64
    neo4j_tx_timeout: Positive = 30
    neo4j_java_opts: str = ""
    neo4j_cds: bool = True

    @field_validator("database_url", "policy_db_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                make_url(value)
            except ArgumentError:
                raise ValueError("not a database URL such as sqlite:///path/hub.db or "
                                 "postgresql+psycopg://user:password@host/db") from None
        return value

    @field_validator("cors_headers")
    @classmethod
    def _header_names(cls, value: str) -> str:
        bad = [name for name in _names(value) if not HEADER_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"not header names: {', '.join(bad)}")
        return value

    @field_validator("neo4j_uri")
    @classmethod
    def _neo4j_uri(cls, value: str | None) -> str | None:
        if value is not None and value.partition("://")[0] not in NEO4J_URI_SCHEMES:
            raise ValueError(f"must be a Neo4j URI ({', '.join(scheme + '://' for scheme in NEO4J_URI_SCHEMES)}host:port)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("neo4j_heap")
    @classmethod
    def _jvm_size(cls, value: str) -> str:
        if not re.fullmatch(r"[1-9][0-9]*[kKmMgG]?", value):
            raise ValueError("must be a JVM memory size such as 512m or 2g")
        return value

    @field_validator("jwt_algorithm")
    @classmethod
    def _known_algorithm(cls, value: str) -> str:
        if value not in SECRET_ALGORITHMS + PUBLIC_KEY_ALGORITHMS:
            raise ValueError(f"unknown signing algorithm; one of {', '.join(SECRET_ALGORITHMS + PUBLIC_KEY_ALGORITHMS)}")
        return value

    @field_validator("purpose_case_pattern")
    @classmethod
    def _regular_expression(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression ({error})") from None
        return value

    @field_validator("purpose_reasons")
    @classmethod
    def _some_reason(cls, value: str | None) -> str | None:
        if value is not None and not _purpose_reasons(value):
            raise ValueError("names no reason: give reasons separated by commas")
        return value

    @field_validator("policy_dir")
    @classmethod
    def _holds_the_model(cls, value: Path) -> Path:
        for name in ("model.conf", "agencies.csv"):
            if not (value / name).is_file():
                raise ValueError(f"the folder {value} has no {name}")
        return value

    @field_validator("allowed_operations_file")
    @classmethod
    def _list_of_queries(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        try:
            texts = json.loads(value.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"cannot read {value} as JSON ({error})") from None
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            raise ValueError(f"{value} must hold a JSON list of query texts")
        unknown = [text for text in texts if text.startswith("/") and text not in ALLOW_LISTED_ROUTES]
        if unknown:
            raise ValueError(f"{value} names {', '.join(unknown)}; the routes it may name: {', '.join(ALLOW_LISTED_ROUTES)}")
        return value

    @field_validator("metrics_bind")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is not None:
            split_host_port(value)
        return value

    @model_validator(mode="after")
    def _policy_file_present(self) -> EnvSettings:
        if self.policy_db_url is None and not (self.policy_dir / "policy.csv").is_file():
            raise ValueError(f"HUB_POLICY_DIR: the folder {self.policy_dir} has no policy.csv (nor is HUB_POLICY_DB_URL set)")
        return self

    def to_settings(self) -> Settings:
        try:
            public_key = self.jwt_public_key_file.read_text() if self.jwt_public_key_file else None
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidSettings(f"HUB_JWT_PUBLIC_KEY_FILE: cannot read {self.jwt_public_key_file} ({error})") from None
        given = {name: getattr(self, name) for name in Settings.__dataclass_fields__ if name in type(self).model_fields}
        return Settings(**{
            **given,
            # Unset: Settings derives these from var_dir.
            "database_url": self.database_url or "",
            "neo4j_home": self.neo4j_home,
            "audit_anchor_file": self.audit_anchor_file,
            "neo4j_uri": self.neo4j_uri or f"bolt://127.0.0.1:{self.neo4j_port}",
            "jwt_public_key": public_key,
            "jwt_jwks_algorithms": _names(self.jwt_jwks_algorithms) or DEFAULT_JWKS_ALGORITHMS,
            "purpose_reasons": _purpose_reasons(self.purpose_reasons),
            "cors_origins": _names(self.cors_origins),
            "cors_headers": tuple(name.lower() for name in _names(self.cors_headers)),
        })


def split_host_port(address: str) -> tuple[str, int]:
    """`127.0.0.1:9100` or `[::1]:9100` as (host, port); ValueError when it is neither."""
    host, colon, port = address.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError("must be host:port, e.g. 127.0.0.1:9100")
    return host, int(port)


def read_environment() -> EnvSettings:
    """The validated HUB_* environment; InvalidSettings names every bad variable on one line."""
    try:
        return EnvSettings()
    except ValidationError as error:
        raise InvalidSettings("invalid settings: " + "; ".join(_describe(problem) for problem in error.errors())) from None


def _describe(problem: ErrorDetails) -> str:
    message = str(problem["msg"]).removeprefix("Value error, ")
    if not problem["loc"]:
        return message  # a check across variables names them itself
    name = str(problem["loc"][0])
    if name in SECRET_VARIABLES or not isinstance(problem.get("input"), str):
        return f"HUB_{name.upper()}: {message}"
    return f"HUB_{name.upper()}={problem['input']!r}: {message}"


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not serve production (empty when they may, or when not in production)."""
    if not settings.production:
        return []
    problems: list[str] = []
    algorithm = settings.jwt_algorithm
    if settings.jwt_jwks_url is not None:
        problems += _jwks_problems(settings)
    elif algorithm in PUBLIC_KEY_ALGORITHMS:
        if not settings.jwt_public_key:
            problems.append(f"HUB_JWT_ALGORITHM={algorithm} needs HUB_JWT_PUBLIC_KEY_FILE")
    elif algorithm in SECRET_ALGORITHMS:
        if settings.jwt_secret == DEV_JWT_SECRET:
            problems.append("HUB_JWT_SECRET is unset or the development default")
        elif len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
            problems.append(f"HUB_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes")
    else:
        problems.append(f"HUB_JWT_ALGORITHM={algorithm} is not a supported signing algorithm")
    if settings.audit_key is not None:
        if len(settings.audit_key.encode()) < MIN_SECRET_BYTES:
            problems.append(f"HUB_AUDIT_KEY is shorter than {MIN_SECRET_BYTES} bytes")
    elif settings.audit_key_file is None:
        problems.append("no audit chain key: set HUB_AUDIT_KEY or HUB_AUDIT_KEY_FILE")
    elif not settings.audit_key_file.is_file():
        problems.append(f"HUB_AUDIT_KEY_FILE {settings.audit_key_file} does not exist")
    return problems + _exposure_problems(settings)


def _exposure_problems(settings: Settings) -> list[str]:
    """What production must not serve to anyone: metrics without a token or a bind address, open CORS origins."""
    problems: list[str] = []
    if settings.metrics_token is None and settings.metrics_bind is None:
        problems.append("/metrics would be public: set HUB_METRICS_TOKEN or HUB_METRICS_BIND")
    elif settings.metrics_token is not None and len(settings.metrics_token.encode()) < MIN_SECRET_BYTES:
        problems.append(f"HUB_METRICS_TOKEN is shorter than {MIN_SECRET_BYTES} bytes")
    open_origins = [origin for origin in settings.cors_origins if origin.lower() in OPEN_CORS_ORIGINS]
    if open_origins:
        problems.append(f"HUB_CORS_ORIGINS must name origins, not {', '.join(open_origins)}")
    return problems


def _jwks_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    if not (settings.jwt_jwks_url or "").lower().startswith("https://"):
        problems.append("HUB_JWT_JWKS_URL must be an https:// URL")
    unsupported = [name for name in settings.jwt_jwks_algorithms if name not in PUBLIC_KEY_ALGORITHMS]
    if unsupported or not settings.jwt_jwks_algorithms:
        problems.append(f"HUB_JWT_JWKS_ALGORITHMS must name public-key algorithms only, not {', '.join(unsupported) or 'none'}")
    if settings.jwt_issuer is None:
        problems.append("HUB_JWT_JWKS_URL needs HUB_JWT_ISSUER")
    if settings.jwt_audience is None:
        problems.append("HUB_JWT_JWKS_URL needs HUB_JWT_AUDIENCE")
    return problems


def refuse_insecure_production(settings: Settings) -> None:
    """Raise InsecureConfiguration, one line naming every problem, if production would run on unsafe defaults."""
    problems = production_problems(settings)
    if problems:
        raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems))
