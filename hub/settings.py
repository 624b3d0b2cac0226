"""Settings read from environment variables, each with a default that runs on a fresh machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    neo4j_port: int = 7687
    neo4j_home: Path | None = None
    jwt_secret: str = "dev-only-secret-change-me-in-production-0123456789"
    jwt_public_key: str | None = None
    jwt_algorithm: str = "HS256"
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
            neo4j_port=int(_env("HUB_NEO4J_PORT", "7687")),
            neo4j_home=Path(_env("HUB_NEO4J_HOME", str(var_dir / "neo4j"))),
            jwt_secret=_env("HUB_JWT_SECRET", cls.jwt_secret),
            jwt_public_key=Path(public_key_file).read_text() if public_key_file else None,
            jwt_algorithm=_env("HUB_JWT_ALGORITHM", "HS256"),
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
