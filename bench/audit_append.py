"""The audit's own cost, without HTTP and GraphQL: P processes of T threads each read one cadre in a transaction
and then either append its audit entry and wait for its commit (as a request does) or only commit.

    python -m bench.audit_append --postgres-url postgresql+psycopg://hub_test:hub_test@127.0.0.1:5432/hub_test

It creates a database of its own beside the one named (`<name>_audit_append`, dropped at the end) and alternates
the two modes `--rounds` times; the report gives each mode's rate and Python CPU per read (all processes), and
checks that `hub.audit.verify` accepts the chain. On a machine shared with other work, compare the modes of one
run with each other rather than with another run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.harness import scratch_postgres_database
from hub import audit
from hub.db import make_engine
from hub.migrate import upgrade
from hub.models import Cadre
from hub.seed import seed_database
from hub.sessions import make_session_factory
from hub.settings import Settings

AUDIT_KEY = "bench-audit-append-key"
CADRES = 40


def _settings(database_url: str, var_dir: Path, threads: int) -> Settings:
    return Settings(database_url=database_url, var_dir=var_dir, audit_key=AUDIT_KEY, db_pool_size=threads)


def _process(database_url: str, var_dir: str, audited: bool, threads: int, seconds: float,
             results: Any) -> None:
    engine = make_engine(_settings(database_url, Path(var_dir), threads))
    sessions = make_session_factory(engine)
    counts = [0] * threads
    until = time.monotonic() + seconds

    def reader(number: int) -> None:
        record = audit.AccessRecord("bench", "org", "query", "Read", (1 + number % CADRES,),
                                    ("Cadre.name", "Query.cadre"), "线索核查 audit append")
        while time.monotonic() < until:
            with sessions() as session:
                session.execute(select(Cadre.name).where(Cadre.id == 1 + number % CADRES)).all()
                if audited:
                    audit.append_committed(session, record)
                else:
                    session.commit()
            counts[number] += 1

    started = time.process_time()
    workers = [threading.Thread(target=reader, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((sum(counts), time.process_time() - started))
    engine.dispose()


def _phase(database_url: str, var_dir: Path, audited: bool, processes: int, threads: int,
           seconds: float) -> tuple[int, float]:
    results: Any = multiprocessing.Queue()
    children = [multiprocessing.Process(target=_process, args=(database_url, str(var_dir), audited, threads, seconds,
                                                                results)) for _ in range(processes)]
    for child in children:
        child.start()
    outcomes = [results.get() for _ in children]
    for child in children:
        child.join()
    return sum(reads for reads, _cpu in outcomes), sum(cpu for _reads, cpu in outcomes)


def run(postgres_url: str, *, processes: int = 4, threads: int = 8, seconds: float = 5.0,
        rounds: int = 2) -> dict[str, Any]:
    totals = {"unaudited": [0, 0.0], "audited": [0, 0.0]}
    with tempfile.TemporaryDirectory(prefix="hub-audit-append-") as scratch, \
            scratch_postgres_database(postgres_url, "audit_append") as database_url:
        var_dir = Path(scratch)
        engine = make_engine(_settings(database_url, var_dir, threads))
        upgrade(engine)
        seed_database(engine, cadres=CADRES, seed=7, progress=False)
        for _round in range(rounds):  # alternated, so that other load on the machine falls on both alike
            for mode in totals:
                reads, cpu = _phase(database_url, var_dir, mode == "audited", processes, threads, seconds)
                totals[mode][0] += reads
                totals[mode][1] += cpu
        with Session(engine) as session:
            problems = audit.verify(session)
        engine.dispose()
    report: dict[str, Any] = {"processes": processes, "threads": threads, "seconds": seconds * rounds}
    for mode, (reads, cpu) in totals.items():
        report[mode] = {"reads": reads, "per_second": reads / (seconds * rounds),
                        "python_cpu_ms_per_read": 1000 * cpu / reads if reads else float("nan")}
    report["audited_over_unaudited"] = report["audited"]["per_second"] / report["unaudited"]["per_second"]
    report["audit_cpu_ms_per_read"] = (report["audited"]["python_cpu_ms_per_read"]
                                       - report["unaudited"]["python_cpu_ms_per_read"])
    report["chain_verified"] = problems == []
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("HUB_TEST_POSTGRES_URL"))
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    if not options.postgres_url:
        parser.error("--postgres-url (or HUB_TEST_POSTGRES_URL) is needed: the audit is measured on PostgreSQL")
    print(json.dumps(run(options.postgres_url, processes=options.processes, threads=options.threads,
                         seconds=options.seconds, rounds=options.rounds), indent=1))


if __name__ == "__main__":
    main()
