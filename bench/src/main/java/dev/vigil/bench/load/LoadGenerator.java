package dev.vigil.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Drives a running agent (or {@link SocketCeiling}) over its Unix socket with one of two streams:
 * {@code block}, a prepared block of {@code NodeStreamGenerator} lines (the realistic mix of a node,
 * its processes long-lived, so the same pids come back loop after loop), or {@code churny}
 * ({@link ChurnStream}: short-lived processes with fresh pids in every loop, clone/execve/capable/exit,
 * as the bundled sensor sends them). N connections write it, re-timed, in large writes, at the
 * maximum rate or a fixed rate. Then it reads {@code /metrics} until the agent is
 * idle (received = processed + rejected + dropped, and every line sent received) and reports, as
 * JSON: events sent, the agent-side rate (processed delta over first byte to idle), drops and
 * rejections, the in-agent latency percentiles from {@code vigil_event_latency_seconds}, and the
 * client-side write and schedule-lag percentiles (HdrHistogram).
 */
@Command(name = "load-generator", mixinStandardHelpOptions = true,
    description = "Drive a running vigil agent over its socket and report throughput and latency.")
public final class LoadGenerator implements Callable<Integer> {
    @Option(names = "--socket", required = true, description = "The agent's event socket.")
    Path socket;

    @Option(names = "--connections", defaultValue = "2", description = "Producer connections (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--rate", defaultValue = "0", description = "Events/s over all connections; 0 = as fast as possible (default).")
    double rate;

    @Option(names = "--seconds", defaultValue = "20", description = "How long to send (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--events", defaultValue = "0", description = "Events to send in all (instead of --seconds).")
    long events;

    /** Which stream to send. */
    enum Stream { block, churny }

    @Option(names = "--stream", defaultValue = "block",
        description = "block (the node mix, repeated) or churny (fresh short-lived processes); default ${DEFAULT-VALUE}.")
    Stream stream;

    @Option(names = "--block-events", defaultValue = "200000",
        description = "Lines in the prepared block, sent in loops (default ${DEFAULT-VALUE}).")
    int blockEvents;

    @Option(names = "--seed", defaultValue = "1", description = "Generator seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--write-bytes", defaultValue = "262144", description = "Bytes per write (default ${DEFAULT-VALUE}).")
    int writeBytes;

    @Option(names = "--no-retime", description = "Send the block's event times unchanged, loop after loop.")
    boolean noRetime;

    @Option(names = "--metrics", description = "The agent's /metrics URL, e.g. http://127.0.0.1:9376/metrics.")
    String metricsUrl;

    @Option(names = "--idle-timeout", defaultValue = "120", description = "Seconds to wait for the agent to go idle.")
    double idleTimeout;

    @Option(names = "--cpu-pid", defaultValue = "0",
        description = "The agent's pid: report its CPU over the first byte to idle (needs --metrics).")
    long cpuPid;

    @Option(names = "--clock-ticks", defaultValue = "100", description = "/proc's clock ticks a second (getconf CLK_TCK).")
    long clockTicks;

    @Option(names = "--label", defaultValue = "run", description = "Name of this run in the report.")
    String label;

    @Option(names = "--out", description = "Also write the JSON report to this file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        EventBlock block = stream == Stream.churny ? EventBlock.churny(blockEvents, seed)
            : EventBlock.generate(blockEvents, seed);
        System.err.printf("load-generator: " + stream + " block of %d lines, %.1f MB (%.0f B/line), %.1f s of event time, prepared in %.1f s%n",
            block.lines(), block.bytes() / 1e6, (double) block.bytes() / block.lines(), block.spanNanos() / 1e9,
            (System.nanoTime() - t0) / 1e9);

        AgentMetrics metrics = metricsUrl != null ? new AgentMetrics(metricsUrl) : null;
        AgentMetrics.Snapshot before = metrics != null ? metrics.scrape() : null;

        long quota = events > 0 ? events : Long.MAX_VALUE;
        long deadline = events > 0 ? Long.MAX_VALUE : System.nanoTime() + (long) (seconds * 1e9);
        long shift = noRetime ? 0 : System.currentTimeMillis() * 1_000_000L - block.firstRawtime();
        List<Sender> senders = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            long q = quota == Long.MAX_VALUE ? quota : quota / connections + (i < quota % connections ? 1 : 0);
            Sender s = new Sender(socket, block, (int) ((long) block.lines() * i / connections), writeBytes, q, deadline,
                rate / connections, !noRetime, shift, i, connections);
            senders.add(s);
            Thread t = new Thread(s, "sender-" + i);
            threads.add(t);
        }
        AgentCpu cpu = cpuPid > 0 ? new AgentCpu(cpuPid, clockTicks) : null;
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        long sent = 0;
        long bytes = 0;
        long first = Long.MAX_VALUE;
        long last = 0;
        Histogram writes = new Histogram(60_000_000L, 3);
        Histogram late = new Histogram(60_000_000L, 3);
        for (Sender s : senders) {
            if (s.failure != null) {
                System.err.println("load-generator: a connection failed: " + s.failure);
            }
            sent += s.sentLines;
            bytes += s.sentBytes;
            first = Math.min(first, s.firstByteNanos);
            last = Math.max(last, s.lastByteNanos);
            writes.add(s.writeMicros);
            late.add(s.lateMicros);
        }
        double sendSecs = (last - first) / 1e9;

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("label", label);
        report.put("stream", stream.name());
        report.put("connections", connections);
        report.put("target_rate", rate > 0 ? rate : "max");
        report.put("write_bytes", writeBytes);
        report.put("bytes_per_line", Math.round((double) block.bytes() / block.lines()));
        report.put("events_sent", sent);
        report.put("client_send_seconds", round(sendSecs, 3));
        report.put("client_events_per_second", Math.round(sent / sendSecs));
        report.put("client_mb_per_second", round(bytes / sendSecs / 1e6, 1));
        report.put("client_write_micros", percentiles(writes));
        if (rate > 0) {
            report.put("client_schedule_lag_micros", percentiles(late));
        }
        if (metrics != null) {
            AgentMetrics.Snapshot after = awaitIdle(metrics, before, sent);
            long idle = System.nanoTime();
            double agentSecs = (idle - first) / 1e9;
            long processed = after.processed() - before.processed();
            report.put("received", after.received() - before.received());
            report.put("processed", processed);
            report.put("rejected", after.rejected() - before.rejected());
            report.put("dropped", after.dropped() - before.dropped());
            report.put("idle", after.balanced() && after.received() - before.received() >= sent);
            report.put("first_byte_to_idle_seconds", round(agentSecs, 3));
            report.put("agent_events_per_second", Math.round(processed / agentSecs));
            if (cpu != null) {
                // over the same window as the rate (not the block's preparation): µs an event = this / 100 / rate
                report.put("agent_cpu_percent", round(100 * cpu.secondsSinceStart() / agentSecs, 1));
            }
            AgentMetrics.Latency lat = AgentMetrics.latencyBetween(before, after);
            if (lat != null) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("count", lat.count());
                l.put("mean_micros", round(lat.meanSeconds() * 1e6, 1));
                l.put("p50_micros", round(lat.p50() * 1e6, 1));
                l.put("p99_micros", round(lat.p99() * 1e6, 1));
                l.put("p999_micros", round(lat.p999() * 1e6, 1));
                l.put("buckets", lat.buckets());
                report.put("agent_latency", l);
            }
        }
        ObjectMapper json = new ObjectMapper();
        String line = json.writeValueAsString(report);
        System.out.println(line);
        if (out != null) {
            Files.writeString(out, json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report) + "\n");
        }
        return senders.stream().anyMatch(s -> s.failure != null) ? 1 : 0;
    }

    /** Polls /metrics until every line sent was received and each is accounted for, or the timeout. */
    private AgentMetrics.Snapshot awaitIdle(AgentMetrics metrics, AgentMetrics.Snapshot before, long sent)
        throws IOException, InterruptedException {
        long deadline = System.nanoTime() + (long) (idleTimeout * 1e9);
        AgentMetrics.Snapshot s;
        do {
            s = metrics.scrape();
            if (s.balanced() && s.received() - before.received() >= sent) {
                return s;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        System.err.println("load-generator: the agent did not go idle within " + idleTimeout + " s: " + s);
        return s;
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("p999", h.getValueAtPercentile(99.9));
        m.put("max", h.getMaxValue());
        return m;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }
}
