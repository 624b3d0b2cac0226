"""`python -m bench [--scales 1k,20k,200k]`: the whole benchmark suite, each figure a ratio to a same-run baseline.

Writes var/bench/results.json and the generated part of docs/benchmarks.md (the hand-written analysis and
any `## Load test` section are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import audit_rate, report, scenarios
from bench.harness import PROJECT_ROOT, HubServer, seeded_database
from graph_sync.local_server import free_port

ALL_SCENARIOS = ("page", "authz", "lookups", "graph", "sync", "screening", "memory", "audit")


def parse_scale(text: str) -> int:
    text = text.strip().lower()
    if text.endswith("k"):
        return int(float(text[:-1]) * 1000)
    return int(text)


def label(cadres: int) -> str:
    return f"{cadres // 1000}k" if cadres % 1000 == 0 else str(cadres)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    try:
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    except (OSError, IndexError, ValueError):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_mib": memory, "python": platform.python_version(),
        "platform": platform.platform(), "commit": commit.stdout.strip(), "load_before": os.getloadavg(),
    }


def start_graph(directory: Path, home: str = "neo4j") -> tuple[Any, Any, Any]:
    """A local Neo4j of its own under <directory>/<home> (stopped at the end), its settings and a driver."""
    from graph_sync import local_server
    from graph_sync.driver import open_driver
    from hub.settings import Settings

    port = free_port()
    settings = Settings(var_dir=directory, neo4j_home=directory / home, neo4j_port=port,
                        neo4j_uri=f"bolt://127.0.0.1:{port}", graph_sync=False)
    server = local_server.start(settings, wait_seconds=180)
    settings = replace(settings, neo4j_port=port)
    driver = open_driver(settings)
    return settings, server, driver


def run_scale(cadres: int, args: argparse.Namespace, graph: tuple[Any, Any, Any] | None) -> dict[str, Any]:
    log(f"scale {label(cadres)}: seeding or reusing {args.dir}/bench-{cadres}-7.db")
    started = time.perf_counter()
    settings, engine = seeded_database(args.dir, cadres)
    results: dict[str, Any] = {"cadres": cadres, "load": {}, "errors": {}}
    if graph is not None:
        settings = replace(settings, neo4j_uri=graph[0].neo4j_uri, neo4j_password=graph[0].neo4j_password,
                           neo4j_port=graph[0].neo4j_port)
    wanted = set(args.scenarios)

    def step(name: str, action: Any) -> None:
        if name not in wanted:
            return
        log(f"scale {label(cadres)}: {name} (load {os.getloadavg()[0]:.2f})")
        results["load"][name] = os.getloadavg()[0]
        try:
            results[name] = action()
        except Exception as error:
            traceback.print_exc()
            results["errors"][name] = f"{type(error).__name__}: {error}"

    if graph is not None and ({"graph", "sync"} & wanted):
        wanted.add("rebuild")
        step("rebuild", lambda: scenarios.graph_rebuild(engine, graph[2]))
    server_environment = {"HUB_DATABASE_URL": settings.database_url, "HUB_GRAPH_SYNC": "0",
                          "HUB_MAX_REQUEST_BYTES": "1000000"}
    if graph is not None:
        server_environment.update(HUB_NEO4J_URI=settings.neo4j_uri, HUB_NEO4J_PASSWORD=settings.neo4j_password)
    try:
        with HubServer(server_environment, log=args.dir / f"server-{label(cadres)}.log") as server:
            idle = server.peak_kib()
            step("page", lambda: scenarios.page_over_http(server, settings, engine, args.repeats))
            step("authz", lambda: scenarios.authorization(engine, args.repeats, cadres))
            step("lookups", lambda: scenarios.lookups(server, settings, engine, args.seconds))
            if graph is not None:
                step("graph", lambda: scenarios.graph_queries(server, settings, engine, graph[2], args.repeats))
                step("sync", lambda: scenarios.sync_lag(settings, engine, graph[2]))
            step("screening", lambda: scenarios.screening(server, settings, engine, max(3, args.repeats // 3)))
            if args.postgres_url:  # its own hubs and database: the audit's scale-out is a PostgreSQL matter
                step("audit", lambda: audit_rate.run(args.postgres_url, seconds=args.seconds))
            if "memory" in wanted:
                peak = server.peak_kib()
                results["memory"] = {"idle_peak_mib": idle / 1024, "peak_mib": peak / 1024,
                                     "rss_mib": server.rss_kib() / 1024, "ratio": peak / idle if idle else None}
    finally:
        engine.dispose()
    results["seconds"] = time.perf_counter() - started
    log(f"scale {label(cadres)} done in {results['seconds']:.0f} s")
    return results


@contextmanager
def timed_phases() -> Iterator[dict[str, float]]:
    """Seconds spent in the page's phases (root page, nested loads, audit append) while inside the block."""
    import schema.extensions as extensions
    import schema.loaders as loaders
    import schema.queries as queries

    phases = [(queries, "paginate", "root page: SQL and rows"), (loaders.Loaders, "_read", "nested lists: SQL and rows"),
              (extensions.audit, "append_committed", "access audit: append and commit")]
    totals: dict[str, float] = defaultdict(float)
    originals = [(owner, name, getattr(owner, name)) for owner, name, _label in phases]

    def timer(function: Any, label: str) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - started
        return timed

    for (owner, name, function), (_owner, _name, label) in zip(originals, phases):
        setattr(owner, name, timer(function, label))
    try:
        yield totals
    finally:
        for owner, name, function in originals:
            setattr(owner, name, function)


def profile_page(directory: Path, cadres: int) -> str:
    """Where the 100-cadre page's time goes, in-process as the org: the phases' share of a page (timers, no
    profiler), the Core baseline, then a cProfile of 10 pages sorted by own time."""
    import asyncio
    import cProfile
    import io
    import pstats

    from hub.access import Principal
    from hub.sessions import make_session_factory
    from policies.enforcement import PolicyStore
    from schema.context import new_context

    _settings, engine = seeded_database(directory, cadres)
    sessions = make_session_factory(engine)
    store = PolicyStore(scenarios._full_schema())
    access, schema = store.view(Principal(user="bench", agency="org", jurisdiction="huzhou", level="city"))

    def once() -> None:
        with sessions() as session:
            result = asyncio.run(schema.execute(scenarios.PAGE, variable_values={"first": 100},
                                                context_value=new_context(session, access)))
            assert result.errors is None, result.errors

    for _ in range(5):
        once()
    pages = 40
    with timed_phases() as totals:
        started = time.perf_counter()
        for _ in range(pages):
            once()
        page_ms = (time.perf_counter() - started) / pages * 1000
    started = time.perf_counter()
    for _ in range(pages):
        json.dumps(scenarios.core_page(engine, 100), ensure_ascii=False)
    core_ms = (time.perf_counter() - started) / pages * 1000
    lines = [f"100-cadre page in-process (org), mean of {pages}: {page_ms:.1f} ms; Core + json.dumps: {core_ms:.1f} ms"]
    lines += [f"  {label}: {seconds / pages * 1000:.1f} ms" for label, seconds in totals.items()]
    rest = page_ms - sum(totals.values()) / pages * 1000
    lines.append(f"  the rest (GraphQL execution and completion, event loop, session): {rest:.1f} ms")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        once()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return "\n".join(lines) + "\n\n" + out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="1k,20k,200k", help="comma-separated cadre counts (1k, 20k, 200k)")
    parser.add_argument("--scenarios", default=",".join(ALL_SCENARIOS), help=f"subset of {','.join(ALL_SCENARIOS)}")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each 16-client load phase")
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--postgres-url", default=os.environ.get("HUB_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server for the audit scenario (a scratch database beside this one's)")
    parser.add_argument("--no-graph", action="store_true", help="skip the Neo4j scenarios")
    parser.add_argument("--graph-max", default=None, help="run the Neo4j scenarios only up to this scale (e.g. 1k)")
    parser.add_argument("--json", type=Path, default=None, help="default: <dir>/results.json")
    parser.add_argument("--markdown", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--profile", metavar="SCALE", help="only print a cProfile of the GraphQL page at SCALE")
    args = parser.parse_args()
    args.dir = args.dir.resolve()
    if args.profile:
        print(profile_page(args.dir, parse_scale(args.profile)))
        return
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(args.scenarios) - set(ALL_SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    scales = [parse_scale(text) for text in args.scales.split(",") if text.strip()]
    json_path = args.json or args.dir / "results.json"

    run: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
        "command": "python -m bench " + " ".join(sys.argv[1:]), "scales": {},
    }
    graph = None
    if not args.no_graph and {"graph", "sync"} & set(args.scenarios):
        log("starting a local Neo4j under var/bench/neo4j")
        try:
            graph = start_graph(args.dir)
        except Exception as error:
            log(f"no Neo4j, graph scenarios skipped: {error}")
            run["graph_error"] = str(error)
    try:
        for cadres in scales:
            limit = parse_scale(args.graph_max) if args.graph_max else None
            with_graph = graph if limit is None or cadres <= limit else None
            run["scales"][label(cadres)] = run_scale(cadres, args, with_graph)
            run["machine"]["load_after"] = os.getloadavg()
            args.dir.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(run, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
            report.write_markdown(args.markdown, run)
    finally:
        if graph is not None:
            from graph_sync import local_server

            graph[2].close()
            local_server.stop(graph[0])
    print(report.table(run))
    log(f"wrote {json_path} and {args.markdown}")


if __name__ == "__main__":
    main()
