"""A real local Neo4j community server, without Docker, built from Maven Central artifacts.

`ensure_built` compiles the small launcher in ``graph_sync/neo4j_local/`` and copies embedded Neo4j
(version pinned in its ``pom.xml``) with all its jars into a cache folder, once; later starts use the
cache and never call Maven. `start`, `stop` and `status` manage the JVM, which serves Bolt on
``127.0.0.1:<settings.neo4j_port>`` with auth enabled (user ``settings.neo4j_user`` must be
``neo4j``, password ``settings.neo4j_password``) and keeps its data under ``settings.neo4j_home``.

Files under ``settings.neo4j_home``: ``neo4j-local.pid``, ``neo4j-local.log`` (the launcher's
output, appended per start), and Neo4j's own ``data/`` and ``logs/`` (``logs/debug.log``).

From a shell: ``python -m graph_sync.local_server up|down|status|build``.

Environment variables read here (the ``HUB_NEO4J_URI/USER/PASSWORD/PORT/HOME`` ones are read by
``hub.settings``):

``HUB_NEO4J_CACHE``
    root folder of the build cache; the build goes to ``<root>/neo4j-<version>/`` (``launcher.jar``,
    ``lib/``, ``classes.jsa``). Default ``$XDG_CACHE_HOME/cadre-hub``, else ``~/.cache/cadre-hub``.
``HUB_NEO4J_HEAP``
    JVM heap size, used for both -Xms and -Xmx. Default ``512m``.
``HUB_NEO4J_PAGECACHE_MB``
    Neo4j page cache in MiB. Default ``64``.
``HUB_NEO4J_TX_TIMEOUT``
    transaction timeout in seconds, bounds runaway queries. Default ``30``.
``HUB_NEO4J_JAVA_OPTS``
    extra JVM options, shell-quoted, appended last. Default none.
``HUB_NEO4J_CDS``
    ``1`` (default): the build also records a class-data-sharing archive of the JVM classes Neo4j
    loads, which makes each start about a third faster; ``0``: no archive.
``JAVA_HOME``
    java (and javac, for the build) are taken from ``$JAVA_HOME/bin`` when set, else from PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from hub.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parent / "neo4j_local"
POM_FILE = PROJECT_DIR / "pom.xml"
LAUNCHER_SOURCE = PROJECT_DIR / "src" / "main" / "java" / "hub" / "neo4jlocal" / "Launcher.java"
BUILT_JAR = PROJECT_DIR / "target" / "neo4j-local-launcher.jar"
LAUNCHER_CLASS = "hub.neo4jlocal.Launcher"

PID_FILE = "neo4j-local.pid"
LOG_FILE = "neo4j-local.log"
LOCK_FILE = "neo4j-local.lock"
START_HEADER = "=== neo4j-local start"
READY_MARKER = "NEO4J_READY"
FAILED_MARKER = "NEO4J_FAILED"

MIN_JAVA_MAJOR = 17
MAVEN_TIMEOUT_SECONDS = 1800.0
CDS_TRAINING_TIMEOUT_SECONDS = 300.0

# Flags of Neo4j's own start scripts that matter on Java 17: without the --add-opens, the page cache
# and transaction log fall back to slower paths (see logs/debug.log warnings).
JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)

JAVA_INSTALL_HINT = (
    "Install a Java 17 (or 21) runtime, e.g. `apt-get install openjdk-17-jdk-headless` on Debian/Ubuntu, "
    "or point JAVA_HOME at one."
)
MAVEN_INSTALL_HINT = "Install Maven, e.g. `apt-get install maven` on Debian/Ubuntu, or put `mvn` on PATH."

Probe = Literal["ok", "auth", "down"]


class Neo4jLocalError(RuntimeError):
    """The local Neo4j server could not be built, started or stopped."""


class Neo4jLocalUnavailable(Neo4jLocalError):
    """A tool the local Neo4j server needs (java, javac, mvn) is missing or too old."""


@dataclass(frozen=True)
class LocalNeo4j:
    """A running local server, as returned by `start`."""

    uri: str
    pid: int
    home: Path
    log_path: Path
    already_running: bool


@dataclass(frozen=True)
class Neo4jStatus:
    """What `status` found: `running` is about our launcher process, `reachable` about Bolt."""

    running: bool
    reachable: bool
    pid: int | None
    uri: str
    home: Path
    detail: str

    def describe(self) -> str:
        return f"{self.detail} (uri {self.uri}, home {self.home})"


# --- settings and paths -------------------------------------------------------------------------


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value else default


def neo4j_version() -> str:
    """The Neo4j version pinned in neo4j_local/pom.xml."""
    match = re.search(r"<neo4j\.version>\s*([^<\s]+)\s*</neo4j\.version>", POM_FILE.read_text())
    if match is None:
        raise Neo4jLocalError(f"no <neo4j.version> property in {POM_FILE}")
    return match.group(1)


def cache_dir() -> Path:
    """Folder holding launcher.jar and lib/ for the pinned Neo4j version (see HUB_NEO4J_CACHE)."""
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(_env("HUB_NEO4J_CACHE", str(Path(xdg) / "cadre-hub"))).expanduser()
    return root / f"neo4j-{neo4j_version()}"


def _home(settings: Settings) -> Path:
    home = settings.neo4j_home if settings.neo4j_home is not None else settings.var_dir / "neo4j"
    return Path(home).expanduser().resolve()


def pid_path(settings: Settings) -> Path:
    return _home(settings) / PID_FILE


def log_path(settings: Settings) -> Path:
    return _home(settings) / LOG_FILE


def _check_settings(settings: Settings) -> None:
    uri_port = urlsplit(settings.neo4j_uri).port or 7687
    if uri_port != settings.neo4j_port:
        raise Neo4jLocalError(
            f"neo4j_uri {settings.neo4j_uri} does not use neo4j_port {settings.neo4j_port}; "
            "set HUB_NEO4J_PORT and HUB_NEO4J_URI consistently"
        )
    if settings.neo4j_user != "neo4j":
        raise Neo4jLocalError(
            f"the local server only has user 'neo4j', but neo4j_user is {settings.neo4j_user!r}"
        )


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (never 7687, the usual Neo4j port)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port != 7687:
            return port


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Netty does: TIME_WAIT is fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- tools ---------------------------------------------------------------------------------------


def find_java() -> Path:
    """The java executable: $JAVA_HOME/bin/java when JAVA_HOME is set, else java on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if os.access(candidate, os.X_OK):
            return candidate
        raise Neo4jLocalUnavailable(
            f"JAVA_HOME is {java_home}, but {candidate} is not an executable java. {JAVA_INSTALL_HINT}"
        )
    found = shutil.which("java")
    if found is None:
        raise Neo4jLocalUnavailable(
            "`java` was not found on PATH and JAVA_HOME is not set: the local Neo4j server runs on the "
            f"JVM. {JAVA_INSTALL_HINT}"
        )
    return Path(found)


def java_version(java: Path) -> str:
    """The version string `java -version` prints, e.g. '17.0.15'; fails if older than Java 17."""
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        raise Neo4jLocalUnavailable(f"cannot run {java}: {exc}. {JAVA_INSTALL_HINT}") from exc
    match = re.search(r'version "([^"]+)"', result.stderr + result.stdout)
    if match is None:
        raise Neo4jLocalUnavailable(f"cannot tell the version of {java}. {JAVA_INSTALL_HINT}")
    version = match.group(1)
    parts = version.split(".")
    major_text = parts[1] if parts[0] == "1" and len(parts) > 1 else re.split(r"[^0-9]", version)[0]
    if int(major_text or 0) < MIN_JAVA_MAJOR:
        raise Neo4jLocalUnavailable(
            f"{java} is Java {version}; Neo4j {neo4j_version()} needs Java {MIN_JAVA_MAJOR} or 21. "
            f"{JAVA_INSTALL_HINT}"
        )
    return version


def _find_javac(java: Path) -> Path:
    sibling = java.resolve().parent / "javac"
    if os.access(sibling, os.X_OK):
        return sibling
    found = shutil.which("javac")
    if found is None:
        raise Neo4jLocalUnavailable(
            f"`javac` was not found next to {java} nor on PATH: building the launcher once needs a "
            "JDK, not only a JRE. Install e.g. `apt-get install openjdk-17-jdk-headless`."
        )
    return Path(found)


def _find_maven() -> Path:
    found = shutil.which("mvn")
    if found is None:
        raise Neo4jLocalUnavailable(
            f"`mvn` was not found on PATH: the first start fetches Neo4j {neo4j_version()} from Maven "
            f"Central with Maven (later starts use the cache in {cache_dir()}). {MAVEN_INSTALL_HINT}"
        )
    return Path(found)


# --- build ---------------------------------------------------------------------------------------


def _build_stamp(java_release: str) -> str:
    digest = hashlib.sha256()
    for part in (POM_FILE.read_bytes(), LAUNCHER_SOURCE.read_bytes(), java_release.encode()):
        digest.update(hashlib.sha256(part).digest())
    digest.update(" ".join(JVM_FLAGS).encode())
    return digest.hexdigest()


def _is_built(build: Path, stamp: str) -> bool:
    stamp_file = build / "build.stamp"
    return (
        stamp_file.is_file()
        and stamp_file.read_text().strip() == stamp
        and (build / "launcher.jar").is_file()
        and any((build / "lib").glob("neo4j-*.jar"))
    )


def ensure_built(settings: Settings) -> Path:
    """Return the build folder (launcher.jar + lib/), running Maven only if it is missing or stale.

    The folder is ``cache_dir()``; `settings` is taken for symmetry with the other functions. Raises
    `Neo4jLocalUnavailable` when java, javac or mvn is missing, `Neo4jLocalError` when Maven fails.
    """
    del settings  # the cache location comes from HUB_NEO4J_CACHE, not from Settings
    java = find_java()
    stamp = _build_stamp(java_version(java))
    build = cache_dir()
    if _is_built(build, stamp):
        return build
    with _file_lock(build.parent / f"{build.name}.lock"):
        if _is_built(build, stamp):  # built by a concurrent caller meanwhile
            return build
        javac = _find_javac(java)
        maven = _find_maven()
        _run_maven(maven, javac, build)
        _record_class_archive(java, build)
        (build / "build.stamp").write_text(stamp + "\n")
    return build


def _run_maven(maven: Path, javac: Path, build: Path) -> None:
    build.mkdir(parents=True, exist_ok=True)
    (build / "build.stamp").unlink(missing_ok=True)
    partial_lib = build / "lib.partial"
    shutil.rmtree(partial_lib, ignore_errors=True)
    log = build / "maven.log"
    command = [
        str(maven), "-B", "-q", "-f", str(POM_FILE),
        "package", "dependency:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={partial_lib}",
    ]  # fmt: skip
    env = {**os.environ, "JAVA_HOME": os.environ.get("JAVA_HOME") or str(javac.parent.parent)}
    print(f"Building the local Neo4j launcher with Maven (first time only); log: {log}", file=sys.stderr)
    with log.open("w") as out:
        try:
            result = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, timeout=MAVEN_TIMEOUT_SECONDS, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            message = f"Maven did not finish within {MAVEN_TIMEOUT_SECONDS:.0f}s; see {log}"
            raise Neo4jLocalError(message) from exc
    if result.returncode != 0 or not BUILT_JAR.is_file():
        raise Neo4jLocalError(
            f"Maven build of {POM_FILE} failed (exit {result.returncode}); it needs Maven Central. "
            f"Last lines of {log}:\n{_tail(log)}"
        )
    shutil.rmtree(build / "lib", ignore_errors=True)
    partial_lib.rename(build / "lib")
    shutil.copy2(BUILT_JAR, build / "launcher.jar")


def _record_class_archive(java: Path, build: Path) -> None:
    """Run Neo4j once with -XX:ArchiveClassesAtExit so later starts map its classes (AppCDS)."""
    archive = build / "classes.jsa"
    archive.unlink(missing_ok=True)
    if _env("HUB_NEO4J_CDS", "1") == "0":
        return
    partial = build / "classes.jsa.partial"
    partial.unlink(missing_ok=True)
    training_log = build / "cds-training.log"
    with tempfile.TemporaryDirectory(prefix="neo4j-cds-") as home, training_log.open("w") as out:
        port = free_port()
        password = "cds-training-password"
        command = _java_command(java, build, Path(home), port, [f"-XX:ArchiveClassesAtExit={partial}"])
        env = _launcher_env(password, pagecache_mb="8", tx_timeout="30", owner_pid=os.getpid())
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        try:
            if _wait_for_marker(training_log, process, CDS_TRAINING_TIMEOUT_SECONDS):
                _probe(f"bolt://127.0.0.1:{port}", "neo4j", password, query="RETURN 1")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if partial.is_file() and partial.stat().st_size > 0:
        partial.rename(archive)
    else:
        note = f"note: no class-data-sharing archive recorded (see {training_log}); starts are slower"
        print(note, file=sys.stderr)


def _wait_for_marker(log: Path, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        text = log.read_text(errors="replace")
        if READY_MARKER in text:
            return True
        if FAILED_MARKER in text:
            return False
        time.sleep(0.2)
    return False


# --- processes -----------------------------------------------------------------------------------


def _java_command(java: Path, build: Path, home: Path, port: int, extra: Sequence[str] = ()) -> list[str]:
    heap = _env("HUB_NEO4J_HEAP", "512m")
    classpath = os.pathsep.join([str(build / "launcher.jar"), str(build / "lib" / "*")])
    return [
        str(java), f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, *extra,
        *shlex.split(os.environ.get("HUB_NEO4J_JAVA_OPTS", "")),
        "-cp", classpath, LAUNCHER_CLASS, str(home), str(port),
    ]  # fmt: skip


def _launcher_env(
    password: str, *, pagecache_mb: str, tx_timeout: str, owner_pid: int | None
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEO4J_LOCAL_")}
    env["NEO4J_LOCAL_PASSWORD"] = password
    env["NEO4J_LOCAL_PAGECACHE_MB"] = pagecache_mb
    env["NEO4J_LOCAL_TX_TIMEOUT_SECONDS"] = tx_timeout
    if owner_pid is not None:
        env["NEO4J_LOCAL_OWNER_PID"] = str(owner_pid)
    return env


def _spawn_detached(command: Sequence[str], env: dict[str, str], log: Path) -> int:
    """Start `command` in its own session, output appended to `log`; return its pid.

    A throw-away shell starts it in the background and exits, so the JVM is not a child of this
    process: it outlives it and never lingers here as a zombie.
    """
    script = 'log=$1; shift; "$@" >>"$log" 2>&1 </dev/null & echo $!'
    result = subprocess.run(
        ["/bin/sh", "-c", script, "sh", str(log), *command],
        env=env, capture_output=True, text=True, start_new_session=True, timeout=60, check=False,
    )  # fmt: skip
    if result.returncode != 0 or not result.stdout.strip().isdigit():
        raise Neo4jLocalError(f"could not start the JVM: {result.stderr.strip() or result.stdout.strip()}")
    return int(result.stdout.strip())


def _launcher_args(pid: int) -> list[str] | None:
    """The arguments after the launcher class of live process `pid`, None if it is not our launcher."""
    proc = Path("/proc") / str(pid)
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except (OSError, IndexError):
        return None
    if state in ("Z", "X") or LAUNCHER_CLASS not in argv:
        return None
    return [arg for arg in argv[argv.index(LAUNCHER_CLASS) + 1 :] if arg]


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def running_pid(settings: Settings) -> int | None:
    """Pid of the launcher serving `settings.neo4j_home`, from the pid file, if it is alive."""
    pid = _read_pid(pid_path(settings))
    if pid is None:
        return None
    args = _launcher_args(pid)
    if not args or Path(args[0]).resolve() != _home(settings):
        return None
    return pid


def _terminate(pid: int, timeout_seconds: float) -> None:
    """SIGTERM (clean Neo4j shutdown via the JVM hook), then SIGKILL after `timeout_seconds`."""
    for sig, wait in ((signal.SIGTERM, timeout_seconds), (signal.SIGKILL, 10.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if _launcher_args(pid) is None:
                return
            time.sleep(0.1)
    if _launcher_args(pid) is not None:
        raise Neo4jLocalError(f"Neo4j process {pid} did not exit after SIGKILL")


# --- Bolt ----------------------------------------------------------------------------------------


def _probe(uri: str, user: str, password: str, *, query: str | None = None) -> Probe:
    """'ok' if Bolt at `uri` accepts the credentials, 'auth' if it rejects them, else 'down'."""
    try:
        with GraphDatabase.driver(uri, auth=(user, password), connection_timeout=3.0) as driver:
            driver.verify_connectivity()
            if query is not None:
                driver.execute_query(query)
    except AuthError:
        return "auth"
    except (ServiceUnavailable, DriverError, Neo4jError, OSError):
        return "down"
    return "ok"


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _current_start_output(log: Path) -> str:
    """The launcher output since the last start header in `log`."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    index = text.rfind(START_HEADER)
    return text[index:] if index >= 0 else text


def _wait_until_ready(settings: Settings, pid: int, deadline: float) -> None:
    log = log_path(settings)
    while True:
        output = _current_start_output(log)
        failed = next((line for line in output.splitlines() if line.startswith(FAILED_MARKER)), None)
        if failed is not None:
            reason = failed[len(FAILED_MARKER) :].strip()
            raise Neo4jLocalError(f"Neo4j failed to start: {reason} (log: {log})")
        if READY_MARKER in output:
            break
        if _launcher_args(pid) is None:
            raise Neo4jLocalError(f"Neo4j exited during start-up. Last lines of {log}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise Neo4jLocalError(f"Neo4j did not become ready in time; see {log} and {log.parent / 'logs'}")
        time.sleep(0.2)
    _wait_for_bolt(settings, pid, deadline)


def _wait_for_bolt(settings: Settings, pid: int, deadline: float) -> None:
    while True:
        probe = _probe(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
        if probe == "ok":
            return
        if probe == "auth":
            raise Neo4jLocalError(
                f"Neo4j at {settings.neo4j_uri} rejects the password of user {settings.neo4j_user!r} "
                "(HUB_NEO4J_PASSWORD); restart it with `python -m graph_sync.local_server down` then `up`"
            )
        if _launcher_args(pid) is None:
            raise Neo4jLocalError(f"Neo4j exited; see {log_path(settings)}")
        if time.monotonic() > deadline:
            raise Neo4jLocalError(f"Bolt at {settings.neo4j_uri} does not answer; see {log_path(settings)}")
        time.sleep(0.25)


# --- public API ----------------------------------------------------------------------------------


def start(settings: Settings, *, wait_seconds: float = 120.0, owner_pid: int | None = None) -> LocalNeo4j:
    """Start the server for `settings` (detached) and wait until Bolt accepts the configured password.

    Idempotent: if the launcher for this home already runs, wait for it to answer and return it with
    ``already_running=True``. With `owner_pid`, the server shuts itself down when that process exits
    (used by the test fixture so that a killed test run leaves no JVM behind).
    """
    _check_settings(settings)
    home = _home(settings)
    home.mkdir(parents=True, exist_ok=True)
    with _file_lock(home / LOCK_FILE):
        pid = running_pid(settings)
        if pid is not None:
            return _attach(settings, pid, wait_seconds)
        pid_path(settings).unlink(missing_ok=True)
        java = find_java()
        build = ensure_built(settings)
        if not _port_is_free(settings.neo4j_port):
            raise Neo4jLocalError(
                f"port {settings.neo4j_port} on 127.0.0.1 is already in use by another process; "
                "stop it or choose another HUB_NEO4J_PORT (and HUB_NEO4J_URI)"
            )
        pid = _launch(settings, java, build, owner_pid)
        try:
            _wait_until_ready(settings, pid, time.monotonic() + wait_seconds)
        except BaseException:
            _terminate(pid, timeout_seconds=30.0)
            pid_path(settings).unlink(missing_ok=True)
            raise
    return LocalNeo4j(settings.neo4j_uri, pid, home, log_path(settings), already_running=False)


def _attach(settings: Settings, pid: int, wait_seconds: float) -> LocalNeo4j:
    args = _launcher_args(pid) or []
    if len(args) > 1 and args[1] != str(settings.neo4j_port):
        raise Neo4jLocalError(
            f"Neo4j for {_home(settings)} already runs on port {args[1]}, not {settings.neo4j_port}; "
            "stop it first with `python -m graph_sync.local_server down`"
        )
    _wait_until_ready(settings, pid, time.monotonic() + wait_seconds)
    return LocalNeo4j(settings.neo4j_uri, pid, _home(settings), log_path(settings), already_running=True)


def _launch(settings: Settings, java: Path, build: Path, owner_pid: int | None) -> int:
    home = _home(settings)
    archive = build / "classes.jsa"
    extra = [f"-XX:SharedArchiveFile={archive}"] if archive.is_file() else []
    command = _java_command(java, build, home, settings.neo4j_port, extra)
    env = _launcher_env(
        settings.neo4j_password,
        pagecache_mb=_env("HUB_NEO4J_PAGECACHE_MB", "64"),
        tx_timeout=_env("HUB_NEO4J_TX_TIMEOUT", "30"),
        owner_pid=owner_pid,
    )
    log = log_path(settings)
    with log.open("a") as out:
        out.write(f"{START_HEADER} {time.strftime('%Y-%m-%d %H:%M:%S')} port {settings.neo4j_port} ===\n")
    pid = _spawn_detached(command, env, log)
    pid_path(settings).write_text(f"{pid}\n")
    return pid


def stop(settings: Settings, *, timeout_seconds: float = 60.0) -> bool:
    """Stop the server of `settings.neo4j_home`: SIGTERM, then SIGKILL after `timeout_seconds`.

    Returns True if it was running.
    """
    home = _home(settings)
    if not home.is_dir():
        return False
    with _file_lock(home / LOCK_FILE):
        pid = running_pid(settings)
        if pid is not None:
            _terminate(pid, timeout_seconds)
        pid_path(settings).unlink(missing_ok=True)
    return pid is not None


def status(settings: Settings) -> Neo4jStatus:
    """Whether the launcher for `settings.neo4j_home` runs and whether Bolt accepts the password."""
    pid = running_pid(settings)
    probe = _probe(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    if pid is not None:
        detail = {
            "ok": f"running (pid {pid}), Bolt accepts the configured password",
            "auth": f"running (pid {pid}), but Bolt rejects the configured password",
            "down": f"running (pid {pid}), Bolt not answering yet",
        }[probe]
    else:
        detail = {
            "ok": "stopped, but another Neo4j answers at this uri with the configured password",
            "auth": "stopped, but another Neo4j answers at this uri (and rejects the password)",
            "down": "stopped",
        }[probe]
    return Neo4jStatus(pid is not None, probe == "ok", pid, settings.neo4j_uri, _home(settings), detail)


# --- command line --------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m graph_sync.local_server",
        description="Manage the local Neo4j server (settings from HUB_NEO4J_* environment variables).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the server (builds it with Maven the first time)")
    up.add_argument("--wait", type=float, default=120.0, help="seconds to wait for Bolt (default 120)")
    down = commands.add_parser("down", help="stop the server")
    down.add_argument("--timeout", type=float, default=60.0, help="seconds before SIGKILL (default 60)")
    commands.add_parser("status", help="report whether it runs; exit 0 if it answers, 3 if not")
    commands.add_parser("build", help="fetch Neo4j and build the launcher into the cache")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "up":
            server = start(settings, wait_seconds=args.wait)
            verb = "already running" if server.already_running else "started"
            print(f"Neo4j {verb}: {server.uri} (pid {server.pid}, home {server.home}, log {server.log_path})")
        elif args.command == "down":
            print("stopped" if stop(settings, timeout_seconds=args.timeout) else "not running")
        elif args.command == "status":
            current = status(settings)
            print(current.describe())
            return 0 if current.running and current.reachable else 3
        else:
            print(ensure_built(settings))
    except Neo4jLocalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
