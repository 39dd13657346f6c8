package dev.vigil.rules;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.event.Event;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The ruleset the pipeline matches against, replaceable while it runs: {@link #reload()} (on SIGHUP,
 * or when the watcher sees a rule file change) loads the files again and swaps the new set in with one
 * volatile write; a set with errors is refused and the old one kept. Outcomes are counted in
 * {@code vigil.rules.reload{result=success|failure}}; {@code vigil.rules.loaded} is the number of
 * rules running. Learned baselines outlive reloads (one {@link BaselineStore}); aggregate windows
 * restart with the new set.
 *
 * <p>The optional background thread {@code vigil-rules-watch} (daemon) polls the files' modification
 * times every {@link #POLL_MILLIS} ms when watching, and saves learned baselines every
 * {@link #SAVE_MILLIS} ms when they changed, so that the matching thread never writes files.
 *
 * <p>Threading: {@link #match} on the pipeline thread; {@link #reload()} from any thread (serialised);
 * the new set is published safely by the volatile field.
 */
public final class ReloadableMatcher implements Matcher, AutoCloseable {
    public static final long POLL_MILLIS = 2_000;
    public static final long SAVE_MILLIS = 30_000;
    private static final Logger LOG = LoggerFactory.getLogger(ReloadableMatcher.class);

    private final RulesetLoader loader;
    private final List<Path> paths;
    private final boolean includeDefault;
    private final BaselineStore baselines;
    private final Counter reloadSuccess;
    private final Counter reloadFailure;
    private volatile RuleEngine current;
    private volatile LoadResult lastResult;
    private final Object reloadLock = new Object();
    private final Thread background;
    private volatile boolean closed;
    /** The rule files' last seen modification times and sizes; guarded by reloadLock. */
    private List<Long> stamps;

    /**
     * Loads the rules once; throws {@link IllegalStateException} (with every problem) when that first
     * set has errors: the agent must not start without its rules.
     *
     * @param loader         builds the engines (hostname, time source, baseline store, registry)
     * @param paths          rule files or directories, in order
     * @param includeDefault load the embedded default set first
     * @param watch          reload when a file's modification time changes (polled every 2 s)
     * @param baselines      the store given to the loader, saved periodically and on close
     */
    public ReloadableMatcher(RulesetLoader loader, List<Path> paths, boolean includeDefault, boolean watch,
                             BaselineStore baselines, MeterRegistry registry) {
        this.loader = Objects.requireNonNull(loader);
        this.paths = List.copyOf(paths);
        this.includeDefault = includeDefault;
        this.baselines = baselines;
        this.reloadSuccess = Counter.builder("vigil.rules.reload").tag("result", "success")
            .description("rule reloads, by result").register(registry);
        this.reloadFailure = Counter.builder("vigil.rules.reload").tag("result", "failure")
            .description("rule reloads, by result").register(registry);
        LoadResult first = loader.load(this.paths, includeDefault);
        if (first.errors() > 0) {
            throw new IllegalStateException("rules have errors:\n" + describe(first));
        }
        logProblems(first);
        this.lastResult = first;
        this.current = first.matcher();
        this.stamps = stamps();
        Gauge.builder("vigil.rules.loaded", this, m -> m.current.ruleCount())
            .description("rules running").register(registry);
        this.background = new Thread(() -> runBackground(watch), "vigil-rules-watch");
        this.background.setDaemon(true);
        this.background.start();
    }

    @Override
    public void match(Event event, AlertEmitter emitter) {
        current.match(event, emitter);
    }

    @Override
    public int ruleCount() {
        return current.ruleCount();
    }

    /** The result of the last load that was applied (for /readyz and diagnostics). */
    public LoadResult lastResult() {
        return lastResult;
    }

    /**
     * Loads the files again. Returns the result; when it has errors the running set is kept (and the
     * result says why).
     */
    public LoadResult reload() {
        synchronized (reloadLock) {
            LoadResult r = loader.load(paths, includeDefault);
            if (r.errors() > 0) {
                reloadFailure.increment();
                LOG.error("rule reload refused, keeping the {} running rules:\n{}", current.ruleCount(), describe(r));
                return r;
            }
            logProblems(r);
            lastResult = r;
            current = r.matcher();
            reloadSuccess.increment();
            LOG.info("rules reloaded: {}", r.summary());
            return r;
        }
    }

    private static String describe(LoadResult r) {
        StringBuilder sb = new StringBuilder();
        r.problems().forEach(p -> sb.append(p).append('\n'));
        return sb.append(r.summary()).toString();
    }

    private static void logProblems(LoadResult r) {
        for (Problem p : r.problems()) {
            LOG.warn("{}", p);
        }
    }

    /**
     * Reloads when a rule file's modification time or size changed since the last look (or a file
     * appeared or went). Returns true when it reloaded. Called by the watcher every 2 s.
     */
    boolean pollFiles() {
        synchronized (reloadLock) {
            List<Long> now = stamps();
            if (now.equals(stamps)) {
                return false;
            }
            stamps = now;
        }
        reload();
        return true;
    }

    private void runBackground(boolean watch) {
        long lastSave = System.nanoTime();
        while (!closed) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                break;
            }
            if (watch) {
                pollFiles();
            }
            if (System.nanoTime() - lastSave >= SAVE_MILLIS * 1_000_000L) {
                baselines.save();
                lastSave = System.nanoTime();
            }
        }
    }

    /** The modification time of every file the paths stand for (and the list of files itself). */
    private List<Long> stamps() {
        List<Long> out = new ArrayList<>();
        for (Path p : RulesetLoader.expand(paths)) {
            try {
                out.add(Files.getLastModifiedTime(p).toMillis());
                out.add(Files.size(p));
            } catch (IOException e) {
                out.add(-1L);
            }
        }
        return out;
    }

    /** Stops the background thread and saves the baselines. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        background.interrupt();
        try {
            background.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        baselines.save();
    }
}
