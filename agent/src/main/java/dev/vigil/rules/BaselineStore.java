package dev.vigil.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * What {@code baseline} rules have learned: per rule, per scope (the first key field's value), the
 * tuples seen. The learning period is the node's: it starts with the first event the agent ever
 * matched on this node (persisted, so a restart does not start it again). During it every tuple is
 * learned; afterwards an unseen tuple fires once (and is then known), in a scope already known or
 * new. A period per scope starting at the scope's first match would learn, silently, the first thing
 * every new scope does: a new container image whose first act is a mount would never be reported. Bounded: at most
 * {@code maxScopes} scopes per rule and {@code maxTuples} tuples per scope; what does not fit is
 * counted in {@code vigil.rules.baseline.capped{limit=scopes|tuples}}. Persisted in the state
 * directory as {@code baselines.json} (written to a temporary file then renamed, with a CRC-32 of the
 * content; a file whose checksum fails is set aside and counted), loaded at construction, so a
 * restart neither forgets nor relearns. Outlives rule reloads. Thread-safe (one lock: it is touched
 * only when a baseline rule matches, and by {@link #save()}).
 */
public final class BaselineStore {
    private static final Logger LOG = LoggerFactory.getLogger(BaselineStore.class);
    static final String FILE = "baselines.json";
    public static final int DEFAULT_MAX_SCOPES = 10_000;
    public static final int DEFAULT_MAX_TUPLES = 1_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int maxScopes;
    private final int maxTuples;
    private final Counter scopesCapped;
    private final Counter tuplesCapped;
    private final Counter loadFailed;
    /** Guarded by this. */
    private final Map<String, Map<String, Scope>> rules = new HashMap<>();
    /** Guarded by this. */
    private boolean dirty;
    /** When the node's learning period began (rule time, ns); MIN_VALUE until the first event. Guarded by this. */
    private long learnStart = Long.MIN_VALUE;

    private static final class Scope {
        final long firstSeen;
        final Set<String> tuples = new LinkedHashSet<>();

        Scope(long firstSeen) {
            this.firstSeen = firstSeen;
        }
    }

    /** @param dir the state directory, or null to keep baselines in memory only */
    public BaselineStore(Path dir, int maxScopes, int maxTuples, MeterRegistry registry) {
        this.dir = dir;
        this.maxScopes = maxScopes;
        this.maxTuples = maxTuples;
        this.scopesCapped = Counter.builder("vigil.rules.baseline.capped").tag("limit", "scopes")
            .description("baseline scopes or tuples not learned because a bound was reached").register(registry);
        this.tuplesCapped = Counter.builder("vigil.rules.baseline.capped").tag("limit", "tuples")
            .description("baseline scopes or tuples not learned because a bound was reached").register(registry);
        this.loadFailed = Counter.builder("vigil.rules.baseline.load.failed")
            .description("baseline files that could not be read (corrupt or wrong checksum)").register(registry);
        load();
    }

    /**
     * Records a match of a baseline rule; true when it must fire (learning is over for the scope and
     * the tuple was never seen).
     */
    /** Starts the node's learning period at {@code now}, unless it started before (this run or an earlier one). */
    synchronized void startLearning(long now) {
        if (learnStart == Long.MIN_VALUE) {
            learnStart = now;
            dirty = true;
        }
    }

    synchronized boolean observe(String rule, String scope, String tuple, long now, long learnNanos) {
        startLearning(now);
        Map<String, Scope> scopes = rules.computeIfAbsent(rule, r -> new HashMap<>());
        Scope s = scopes.get(scope);
        if (s == null) {
            if (scopes.size() >= maxScopes) {
                scopesCapped.increment();
                return false; // an unknown scope beyond the bound is not judged: no baseline to judge by
            }
            s = new Scope(now);
            scopes.put(scope, s);
            dirty = true;
        }
        if (s.tuples.contains(tuple)) {
            return false;
        }
        boolean learning = now - learnStart < learnNanos;
        if (s.tuples.size() >= maxTuples) {
            tuplesCapped.increment();
            return !learning;
        }
        s.tuples.add(tuple);
        dirty = true;
        return !learning;
    }

    synchronized boolean isDirty() {
        return dirty;
    }

    /** Number of tuples known for a rule's scope (for tests and diagnostics). */
    public synchronized int tupleCount(String rule, String scope) {
        Map<String, Scope> s = rules.get(rule);
        Scope sc = s == null ? null : s.get(scope);
        return sc == null ? 0 : sc.tuples.size();
    }

    /** Writes the baselines if anything changed since the last save. Atomic: temp file + rename. */
    public synchronized void save() {
        if (dir == null || !dirty) {
            return;
        }
        try {
            ObjectNode data = JSON.createObjectNode();
            for (Map.Entry<String, Map<String, Scope>> r : rules.entrySet()) {
                ObjectNode scopes = data.putObject(r.getKey());
                for (Map.Entry<String, Scope> s : r.getValue().entrySet()) {
                    ObjectNode sc = scopes.putObject(s.getKey());
                    sc.put("firstSeen", s.getValue().firstSeen);
                    ArrayNode t = sc.putArray("tuples");
                    s.getValue().tuples.forEach(t::add);
                }
            }
            byte[] body = JSON.writeValueAsBytes(data);
            ObjectNode file = JSON.createObjectNode();
            file.put("version", 2);
            file.put("crc32", crc(body, learnStart));
            file.put("learnStart", learnStart);
            file.set("rules", data);
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, FILE, ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(file));
            try {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
            }
            dirty = false;
        } catch (IOException e) {
            LOG.warn("cannot save baselines in {}: {}", dir, e.toString());
        }
    }

    private void load() {
        if (dir == null || !Files.isRegularFile(dir.resolve(FILE))) {
            return;
        }
        Path f = dir.resolve(FILE);
        try {
            JsonNode root = JSON.readTree(f.toFile());
            JsonNode data = root.get("rules");
            long start = root.path("learnStart").asLong(Long.MIN_VALUE);
            if (data == null || !data.isObject()
                || root.path("crc32").asLong(-1) != crc(JSON.writeValueAsBytes(data), start)) {
                throw new IOException("checksum mismatch");
            }
            learnStart = start;
            data.fields().forEachRemaining(r -> {
                Map<String, Scope> scopes = new HashMap<>();
                r.getValue().fields().forEachRemaining(s -> {
                    Scope sc = new Scope(s.getValue().path("firstSeen").asLong());
                    s.getValue().path("tuples").forEach(t -> sc.tuples.add(t.asText()));
                    scopes.put(s.getKey(), sc);
                });
                rules.put(r.getKey(), scopes);
            });
        } catch (IOException | RuntimeException e) {
            loadFailed.increment();
            LOG.warn("baselines in {} are unreadable ({}); set aside, learning again", f, e.toString());
            try {
                Files.move(f, dir.resolve(FILE + ".corrupt"), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // nothing more to do: the next save overwrites it
            }
            rules.clear();
            learnStart = Long.MIN_VALUE;
        }
    }

    private static long crc(byte[] b, long learnStart) {
        CRC32 c = new CRC32();
        c.update(b);
        c.update(Long.toString(learnStart).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return c.getValue();
    }
}
