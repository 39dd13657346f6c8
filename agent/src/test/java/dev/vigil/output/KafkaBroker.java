package dev.vigil.output;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process), the server from
 * Maven Central ({@code kafka_2.13}, test scope), run as its own JVM on free loopback ports with its
 * data in a test directory, so that a test can stop and restart it.
 */
public final class KafkaBroker implements AutoCloseable {
    public final Path dir;
    public final int port;
    private final Path props;
    private Process process;

    /** A started broker in {@code dir}; skipped (failed under VIGIL_REQUIRE_INTEGRATION=1) without the server jar. */
    public static KafkaBroker started(Path dir) throws IOException, InterruptedException {
        boolean onClasspath;
        try {
            Class.forName("kafka.Kafka", false, KafkaBroker.class.getClassLoader());
            onClasspath = true;
        } catch (ClassNotFoundException e) {
            onClasspath = false;
        }
        dev.vigil.testing.Integration.requireOrSkip(onClasspath, "the Kafka server (org.apache.kafka:kafka_2.13, test scope)");
        KafkaBroker b = new KafkaBroker(dir);
        b.start();
        return b;
    }

    public KafkaBroker(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        Files.createDirectories(dir);
        port = freePort();
        int controller = freePort();
        props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controller,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=3",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            ""));
        Files.writeString(dir.resolve("logback.xml"),
            "<configuration><appender name=\"o\" class=\"ch.qos.logback.core.ConsoleAppender\"><encoder>"
                + "<pattern>%d %level %logger - %msg%n</pattern></encoder></appender>"
                + "<root level=\"WARN\"><appender-ref ref=\"o\"/></root></configuration>\n");
        // One token: a base64url id may start with "-", which the option parser would take for a flag.
        Process format = java("kafka.tools.StorageTool", "format", "--cluster-id=" + clusterId(), "-c", props.toString())
            .redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IOException("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
    }

    /** A base64url 16-byte id, as kafka-storage random-uuid prints. */
    private static String clusterId() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private ProcessBuilder java(String main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Dlogback.configurationFile=" + dir.resolve("logback.xml"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public void start() throws IOException, InterruptedException {
        process = java("kafka.Kafka", props.toString())
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("kafka exited: " + Files.readString(dir.resolve("broker.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > end) {
                    throw new IOException("kafka does not listen on " + port);
                }
                Thread.sleep(100);
            }
        }
    }

    /** SIGTERM (a controlled shutdown), and waits for the exit. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
