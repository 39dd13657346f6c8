package dev.vigil.bench.gen;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A realistic node's event stream in the agent's wire contract (DESIGN.md), in event-time order,
 * with known attacks mixed in at known times and container ids; see {@link Node} for the benign
 * activity and {@link Attacks} for the attacks. The same seed gives the same bytes.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.vigil.bench.gen.NodeStreamGenerator --events N --seed S --out FILE [--truth FILE]</pre>
 */
@Command(name = "node-stream", mixinStandardHelpOptions = true,
    description = "Write a realistic node's event stream (JSON lines) with known attacks mixed in.")
public final class NodeStreamGenerator implements java.util.concurrent.Callable<Integer> {
    /** Below this, the attacks (a fork storm is ~8,000 events) would not fit between the background. */
    public static final long MIN_EVENTS = 100_000;
    /** pids far above what this machine uses, so that a live agent never confuses them with its /proc. */
    static final int FIRST_PID = 3_000_000;

    @Option(names = "--events", required = true, description = "Lines to write (>= ${MIN_EVENTS}).")
    long events;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--rate", defaultValue = "100000",
        description = "Simulated background events per second of event time (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--out", required = true, description = "Output file, or - for stdout.")
    Path out;

    @Option(names = "--truth", description = "Write the attacks here, one JSON line each.")
    Path truth;

    @Option(names = "--attacks-from", defaultValue = "20",
        description = "Percent of the stream before the first attack (default ${DEFAULT-VALUE}); the attacks "
            + "spread from there to 90 %%. Raise it to put them after the rules' baseline learning period.")
    int attacksFrom;

    @Option(names = "--attacks-to", defaultValue = "90",
        description = "Percent of the stream by which the last attack starts (default ${DEFAULT-VALUE}); with "
            + "--attacks-from 5 --attacks-to 35 every attack falls inside the baseline learning period.")
    int attacksTo;

    /** The result of one generation: the attacks as they happened, and the simulated span. */
    public record Result(List<Attack> attacks, long lines, long firstRawtime, long lastRawtime) {
    }

    /** Writes {@code events} lines to {@code out} (not closed). */
    public static Result generate(long events, long seed, double eventsPerSecond, OutputStream out) {
        return generate(events, seed, eventsPerSecond, 20, out);
    }

    public static Result generate(long events, long seed, double eventsPerSecond, int attacksFromPercent,
                                  OutputStream out) {
        return generate(events, seed, eventsPerSecond, attacksFromPercent, 90, out);
    }

    public static Result generate(long events, long seed, double eventsPerSecond, int attacksFromPercent,
                                  int attacksToPercent, OutputStream out) {
        if (attacksFromPercent < 0 || attacksToPercent > 95 || attacksFromPercent > attacksToPercent) {
            throw new IllegalArgumentException("need 0 <= --attacks-from <= --attacks-to <= 95");
        }
        if (events < MIN_EVENTS) {
            throw new IllegalArgumentException("--events must be at least " + MIN_EVENTS + " so that the attacks fit");
        }
        LineWriter w = new LineWriter(out);
        Sim sim = new Sim(seed, w, FIRST_PID);
        Node node = new Node(sim, eventsPerSecond);
        node.build();
        Attacks attacks = new Attacks(sim, node);
        attacks.plan(events, attacksFromPercent, attacksToPercent);
        node.start();
        sim.run(events);
        return new Result(List.copyOf(attacks.all()), w.lines(), Sim.EPOCH_NANOS, sim.now());
    }

    public static void writeTruth(List<Attack> attacks, Path file) throws IOException {
        try (BufferedWriter bw = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Attack a : attacks) {
                bw.write(a.toJsonLine());
                bw.write('\n');
            }
        }
    }

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        Result r;
        boolean stdout = out.toString().equals("-");
        try (OutputStream os = stdout ? System.out : Files.newOutputStream(out)) {
            r = generate(events, seed, rate, attacksFrom, attacksTo, os);
        }
        if (truth != null) {
            writeTruth(r.attacks(), truth);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        double simSecs = (r.lastRawtime() - r.firstRawtime()) / 1e9;
        System.err.printf("node-stream: %d events, %.1f s of event time (%.0f events/s simulated), written in %.2f s%n",
            r.lines(), simSecs, r.lines() / simSecs, secs);
        for (Attack a : r.attacks()) {
            if (!a.complete()) {
                System.err.println("node-stream: warning: the stream ended inside attack " + a.kind()
                    + "; use more --events");
            }
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeStreamGenerator()).execute(args));
    }
}
