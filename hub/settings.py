"""Settings read from environment variables, each with a default that runs on a fresh machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEV_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"
MIN_SECRET_BYTES = 32
PUBLIC_KEY_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
SECRET_ALGORITHMS = ("HS256", "HS384", "HS512")
# Purposes an agency that must state one may give without a case number (prefixes: "巡察：核查生活圈" names 巡察).
DEFAULT_PURPOSE_REASONS = ("线索核查", "巡察", "督查", "审查调查", "信访核查", "干部考察", "选任审查", "联合审查", "审计取证")
# A case number anywhere in the purpose: "(2025)浙0502刑初123号", "（2025）湖纪立字第12号" or "XC-2025-0012".
DEFAULT_PURPOSE_CASE_PATTERN = r"[(（]\d{4}[)）][\w\u4e00-\u9fff]{1,30}?\d{1,6}号|(?<![A-Za-z0-9])[A-Z]{2,8}-\d{4}-\d{1,6}(?![0-9])"


class InsecureConfiguration(RuntimeError):
    """The hub refuses to start in production with a development default or a missing key."""


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
    audit_key: str | None = None  # the audit chain's HMAC key; else read from audit_key_file
    audit_key_file: Path | None = None  # default (development only): var_dir/audit.key, created on first use
    audit_anchor_file: Path | None = None  # append-only (count, hash) anchors of the chain; default var_dir/audit-anchors.log
    purpose_reasons: tuple[str, ...] = DEFAULT_PURPOSE_REASONS
    purpose_case_pattern: str = DEFAULT_PURPOSE_CASE_PATTERN
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
    graph_sync: bool = True  # apply the graph outbox to Neo4j in the background while serving
    db_pool_size: int = 10  # also the number of GraphQL requests served at once; the rest wait their turn
    freeze_heap: bool = False  # keep the collector off long-lived objects (hub/heap.py); on in `from_env`

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'hub.db'}")
        if self.neo4j_home is None:
            object.__setattr__(self, "neo4j_home", self.var_dir / "neo4j")
        if self.audit_anchor_file is None:
            object.__setattr__(self, "audit_anchor_file", self.var_dir / "audit-anchors.log")

    @classmethod
    def from_env(cls) -> "Settings":
        var_dir = _default_var_dir()
        public_key_file = os.environ.get("HUB_JWT_PUBLIC_KEY_FILE")
        return cls(
            var_dir=var_dir,
            database_url=_env("HUB_DATABASE_URL", f"sqlite:///{var_dir / 'hub.db'}"),
            host=_env("HUB_HOST", "127.0.0.1"),
            port=int(_env("HUB_PORT", "8000")),
            neo4j_uri=_env("HUB_NEO4J_URI", f"bolt://127.0.0.1:{_env('HUB_NEO4J_PORT', '7687')}"),
            neo4j_user=_env("HUB_NEO4J_USER", "neo4j"),
            neo4j_password=_env("HUB_NEO4J_PASSWORD", "hub-local-password"),
            neo4j_database=os.environ.get("HUB_NEO4J_DATABASE") or None,
            neo4j_trusted_ca_file=Path(os.environ["HUB_NEO4J_TRUSTED_CA_FILE"])
            if os.environ.get("HUB_NEO4J_TRUSTED_CA_FILE")
            else None,
            neo4j_port=int(_env("HUB_NEO4J_PORT", "7687")),
            neo4j_home=Path(_env("HUB_NEO4J_HOME", str(var_dir / "neo4j"))),
            jwt_secret=_env("HUB_JWT_SECRET", DEV_JWT_SECRET),
            jwt_public_key=Path(public_key_file).read_text() if public_key_file else None,
            jwt_algorithm=_env("HUB_JWT_ALGORITHM", "HS256"),
            jwt_max_ttl=int(_env("HUB_JWT_MAX_TTL", str(12 * 3600))),
            jwt_issuer=os.environ.get("HUB_JWT_ISSUER") or None,
            jwt_audience=os.environ.get("HUB_JWT_AUDIENCE") or None,
            audit_key=os.environ.get("HUB_AUDIT_KEY") or None,
            audit_key_file=Path(os.environ["HUB_AUDIT_KEY_FILE"]) if os.environ.get("HUB_AUDIT_KEY_FILE") else None,
            audit_anchor_file=Path(_env("HUB_AUDIT_ANCHOR_FILE", str(var_dir / "audit-anchors.log"))),
            purpose_reasons=_purpose_reasons(os.environ.get("HUB_PURPOSE_REASONS")),
            purpose_case_pattern=_env("HUB_PURPOSE_CASE_PATTERN", DEFAULT_PURPOSE_CASE_PATTERN),
            policy_dir=Path(_env("HUB_POLICY_DIR", str(PROJECT_ROOT / "policies"))),
            policy_db_url=os.environ.get("HUB_POLICY_DB_URL") or None,
            production=_env("HUB_PRODUCTION", "0") == "1",
            debug_sql=_env("HUB_DEBUG_SQL", "0") == "1",
            max_depth=int(_env("HUB_MAX_DEPTH", "12")),
            max_cost=int(_env("HUB_MAX_COST", "1000000")),
            max_aliases=int(_env("HUB_MAX_ALIASES", "30")),
            max_tokens=int(_env("HUB_MAX_TOKENS", "5000")),
            max_request_bytes=int(_env("HUB_MAX_REQUEST_BYTES", "100000")),
            graph_request_seconds=float(_env("HUB_GRAPH_REQUEST_SECONDS", "20")),
            graph_request_nodes=int(_env("HUB_GRAPH_REQUEST_NODES", "5000")),
            graph_sync=_env("HUB_GRAPH_SYNC", "1") == "1",
            db_pool_size=int(_env("HUB_DB_POOL_SIZE", "10")),
            freeze_heap=_env("HUB_FREEZE_HEAP", "1") == "1",
            allowed_operations_file=Path(os.environ["HUB_ALLOWED_OPERATIONS_FILE"])
            if os.environ.get("HUB_ALLOWED_OPERATIONS_FILE")
            else None,
        )


def _purpose_reasons(value: str | None) -> tuple[str, ...]:
    """HUB_PURPOSE_REASONS: reasons separated by commas or newlines; unset means the defaults."""
    if not value:
        return DEFAULT_PURPOSE_REASONS
    return tuple(reason.strip() for reason in value.replace("\n", ",").split(",") if reason.strip())


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not serve production (empty when they may, or when not in production)."""
    if not settings.production:
        return []
    problems: list[str] = []
    algorithm = settings.jwt_algorithm
    if algorithm in PUBLIC_KEY_ALGORITHMS:
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
    return problems


def refuse_insecure_production(settings: Settings) -> None:
    """Raise InsecureConfiguration, one line naming every problem, if production would run on unsafe defaults."""
    problems = production_problems(settings)
    if problems:
        raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems))
