package hub.neo4jlocal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.io.ByteUnit;

/**
 * Runs an embedded Neo4j community DBMS with the Bolt connector on 127.0.0.1.
 *
 * <p>Usage: {@code Launcher <home-dir> <port>}. Environment:
 *
 * <ul>
 *   <li>{@code NEO4J_LOCAL_PASSWORD} (required): password of user {@code neo4j}, kept off the command
 *       line so that it does not show in the process list;
 *   <li>{@code NEO4J_LOCAL_PAGECACHE_MB} (default 64): page cache size;
 *   <li>{@code NEO4J_LOCAL_TX_TIMEOUT_SECONDS} (default 30): transaction timeout, bounds runaway queries;
 *   <li>{@code NEO4J_LOCAL_OWNER_PID} (optional): shut down when that process exits.
 * </ul>
 *
 * <p>Prints {@code NEO4J_READY bolt://127.0.0.1:PORT} on stdout once Bolt answers and the password is
 * set, or {@code NEO4J_FAILED <reason>} and exits non-zero if it cannot start. SIGTERM / SIGINT shut
 * the DBMS down cleanly through a JVM shutdown hook, which prints {@code NEO4J_STOPPED}.
 */
public final class Launcher {
    static final String HOST = "127.0.0.1";
    static final String PASSWORD_ENV = "NEO4J_LOCAL_PASSWORD";
    static final long ADMIN_TIMEOUT_MINUTES = 5;

    private Launcher() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            fail("usage: Launcher <home-dir> <port>  (password in $" + PASSWORD_ENV + ")", 2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = parsePort(args[1]);
        String password = System.getenv(PASSWORD_ENV);
        if (password == null || password.isEmpty()) {
            fail("environment variable " + PASSWORD_ENV + " is not set", 2);
        }
        DatabaseManagementService dbms = null;
        try {
            Files.createDirectories(home);
            dbms = build(home, port);
        } catch (Throwable e) {
            fail("could not start Neo4j in " + home + ": " + describe(e), 1);
        }
        DatabaseManagementService started = dbms;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(started), "neo4j-local-shutdown"));
        say("NEO4J_DBMS_STARTED");
        try {
            setPassword(started, password);
        } catch (Throwable e) {
            fail("could not set the password of user neo4j: " + describe(e), 1);
        }
        watchOwner();
        say("NEO4J_READY bolt://" + HOST + ":" + port);
        awaitForever();
    }

    private static DatabaseManagementService build(Path home, int port) {
        long pageCacheMb = Long.parseLong(envOr("NEO4J_LOCAL_PAGECACHE_MB", "64"));
        long txTimeoutSeconds = Long.parseLong(envOr("NEO4J_LOCAL_TX_TIMEOUT_SECONDS", "30"));
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.thread_pool_max_size, 50)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(txTimeoutSeconds))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                // Netty waits a 5 s quiet period per event loop group on shutdown by default; a local
                // server has no clients to drain, so stop promptly.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();
    }

    /** Makes the given password the one of user neo4j, with no forced change on first login. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            runAdministration(system, "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (RuntimeException e) {
            if (!isSamePasswordError(e)) {
                throw e;
            }
            // Already the password (set by an earlier start): only make sure no change is required.
            runAdministration(system, "ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED", Map.of());
        }
    }

    /**
     * Runs one administration command with its own generous timeout: the first Cypher statement of
     * a fresh JVM compiles slowly, and the configured transaction timeout may be a few seconds only.
     */
    private static void runAdministration(GraphDatabaseService system, String query, Map<String, Object> params) {
        try (Transaction tx = system.beginTx(ADMIN_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            tx.execute(query, params).close();
            tx.commit();
        }
    }

    private static boolean isSamePasswordError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.contains("cannot be the same")) {
                return true;
            }
        }
        return false;
    }

    /** With NEO4J_LOCAL_OWNER_PID set, exits (running the shutdown hook) once that process is gone. */
    private static void watchOwner() {
        String owner = System.getenv("NEO4J_LOCAL_OWNER_PID");
        if (owner == null || owner.isEmpty()) {
            return;
        }
        ProcessHandle.of(Long.parseLong(owner))
                .ifPresentOrElse(
                        handle -> handle.onExit().thenRun(Launcher::ownerExited),
                        Launcher::ownerExited);
    }

    private static void ownerExited() {
        say("NEO4J_OWNER_EXITED");
        System.exit(0);
    }

    private static void shutdown(DatabaseManagementService dbms) {
        try {
            dbms.shutdown();
            say("NEO4J_STOPPED");
        } catch (Throwable e) {
            say("NEO4J_STOP_FAILED " + describe(e));
        }
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        fail("not a TCP port: " + text, 2);
        return -1;
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e));
        Throwable cause = e.getCause();
        for (int depth = 0; cause != null && depth < 8; depth++, cause = cause.getCause()) {
            text.append(" <- ").append(cause);
        }
        return text.toString().replace('\n', ' ');
    }

    private static void awaitForever() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void fail(String message, int exitCode) {
        say("NEO4J_FAILED " + message.replace('\n', ' '));
        System.exit(exitCode);
    }
}
