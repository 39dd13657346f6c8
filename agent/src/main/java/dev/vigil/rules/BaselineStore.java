package dev.vigil.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vigil.config.PrivateDirectories;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * What {@code baseline} rules have learned: per rule, per scope (the first key field's value), the
 * tuples seen, each with when and where it was learned (this node, a seed file, an import). The
 * learning period is the node's: it starts with the first event the agent ever matched on this node
 * (persisted, so a restart does not start it again). During it a tuple is learned, unless it comes from
 * a suspect container ({@link ContainerGrants}): then it fires, once per scope, and is kept apart
 * ("flagged"), never learned as normal. Afterwards an unseen tuple fires once (and is then known), in a
 * scope already known or new; a flagged tuple seen again after the period is learned without a second
 * alert (it was alerted). A period per scope starting at the scope's first match would learn, silently,
 * the first thing every new scope does: a new container image whose first act is a mount would never be
 * reported. When a rule's period ends every scope that learned in it is summarised once ({@link
 * #takeSummaries}): the engine raises one Informational alert per scope.
 *
 * <p>Bounded: at most {@code maxScopes} scopes per rule, {@code maxTuples} tuples and as many flagged
 * tuples per scope; what does not fit is counted in {@code vigil.rules.baseline.capped{limit=scopes|tuples}}
 * (a tuple that does not fit fires after the period, and from a suspect during it). Persisted in the
 * state directory as {@code baselines.json} (written to a temporary file then renamed, with a CRC-32 of
 * the content; a file whose checksum fails is set aside and counted), loaded at construction, so a
 * restart neither forgets nor relearns. {@link #exportTo}, {@link #importFrom} and seed files use the same
 * format. Outlives rule reloads, as does the {@link ContainerGrants} it holds. Gauges
 * {@code vigil.baseline.scopes{state=learning|learned}} and {@code vigil.baseline.tuples}.
 *
 * <p>Thread-safe (one lock: it is touched only when a baseline rule matches, by {@link #save()}, and by
 * a scrape); {@link #containers()} is the matching thread's alone.
 */
public final class BaselineStore {
    private static final Logger LOG = LoggerFactory.getLogger(BaselineStore.class);
    static final String FILE = "baselines.json";
    public static final int DEFAULT_MAX_SCOPES = 10_000;
    public static final int DEFAULT_MAX_TUPLES = 1_000;
    /** Rules a shared record may add baselines for: far more than any ruleset's baseline rules. */
    static final int MAX_RULES = 1_000;
    /** The separator between a tuple's key values (a control character no field value carries). */
    static final char SEP = '\u001f';
    static final int FORMAT_VERSION = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int maxScopes;
    private final int maxTuples;
    private final Counter scopesCapped;
    private final Counter tuplesCapped;
    private final Counter loadFailed;
    private final ContainerGrants containers;
    /** Guarded by this. */
    private final Map<String, Map<String, Scope>> rules = new TreeMap<>();
    /** Guarded by this. */
    private boolean dirty;
    /** When the node's learning period began (rule time, ns); MIN_VALUE until the first event. Guarded by this. */
    private long learnStart = Long.MIN_VALUE;
    /**
     * {@link #learnStart}'s value once the node's period is over for good whatever the time: the state
     * file was corrupt or not the agent's own. Reopening the period then would let whatever an attacker
     * does next be learned as normal, silently (issue 16, finding 5). Persisted as such.
     */
    public static final long LEARNING_FORFEITED = Long.MIN_VALUE + 1;

    /**
     * When and where a tuple was learned: {@code where} is a node name, {@code seed:FILE} or {@code import:FILE};
     * {@code alerted}: it fired first (after the learning period), rather than being learned in it.
     */
    public record Learned(long atNanos, String where, boolean alerted) {
    }

    /**
     * Told of each tuple this node learns from what it saw (in the learning period, or after firing on it),
     * never of a seed, an import or a shared record: what may be published to the cluster. Called on the
     * matching thread under the store's lock: it must only hand the tuple on, never block.
     */
    public interface LearnedListener {
        void learned(String rule, String scope, String tuple, long atNanos, boolean alerted);

        LearnedListener NONE = (rule, scope, tuple, atNanos, alerted) -> { };
    }

    /** What a tuple learned elsewhere in the cluster did to this store. */
    public enum Applied { LEARNED, KNOWN, CAPPED }

    /** One tuple this node learned itself, to publish again (after an outage, a crash). */
    public record OwnTuple(String rule, String scope, String tuple, long atNanos, boolean alerted) {
    }

    /** Guarded by this. */
    private LearnedListener listener = LearnedListener.NONE;
    /** Each baseline rule's learning period as its last match gave it. Guarded by this. */
    private final Map<String, Long> learnNanosByRule = new HashMap<>();

    private static final class Scope {
        final long firstSeen;
        final Map<String, Learned> tuples = new LinkedHashMap<>();
        /** Tuples a suspect did during learning: alerted, not learned. */
        final Set<String> flagged = new LinkedHashSet<>();
        /** Its learning summary was raised (or it never learned: made after the period, seeded). */
        boolean summarized;

        Scope(long firstSeen) {
            this.firstSeen = firstSeen;
        }
    }

    /** One scope's learning, as the summary alert reports it. */
    public record Summary(String rule, String scope, List<String> learned, List<String> flagged, long windowEndNanos) {
    }

    /** One learned tuple, for {@code vigil baselines list}. */
    public record Row(String rule, String scope, String tuple, long atNanos, String where) {
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
            .description("baseline files that could not be read (corrupt, wrong checksum, a link or not the agent's own)")
            .register(registry);
        Gauge.builder("vigil.baseline.scopes", this, s -> s.scopeCount(false)).tag("state", "learning")
            .description("baseline scopes, by state: learning (the node's period runs) or learned").register(registry);
        Gauge.builder("vigil.baseline.scopes", this, s -> s.scopeCount(true)).tag("state", "learned")
            .description("baseline scopes, by state: learning (the node's period runs) or learned").register(registry);
        Gauge.builder("vigil.baseline.tuples", this, BaselineStore::tupleTotal)
            .description("baseline tuples held, all rules and scopes").register(registry);
        this.containers = new ContainerGrants(registry);
        load();
    }

    /** The containers' grants and suspicion, for the engine (matching thread only). */
    ContainerGrants containers() {
        return containers;
    }

    /** Starts the node's learning period at {@code now}, unless it started before (this run or an earlier one). */
    public synchronized void startLearning(long now) {
        if (learnStart == Long.MIN_VALUE) {
            learnStart = now;
            dirty = true;
        }
    }

    /** When the node's learning period began (ns), MIN_VALUE before the first event, {@link #LEARNING_FORFEITED}. */
    public synchronized long learnStart() {
        return learnStart;
    }

    /**
     * Records a match of a baseline rule; true when it must fire: the tuple was never seen and learning
     * is over for the rule, or it comes from a suspect during learning (once per scope and tuple).
     *
     * @param where   this node's name, recorded with what is learned
     * @param suspect the match's container is a suspect
     */
    synchronized boolean observe(String rule, String scope, String tuple, long now, long learnNanos, String where,
                                 boolean suspect) {
        startLearning(now);
        learnNanosByRule.put(rule, learnNanos);
        boolean learning = learnStart != LEARNING_FORFEITED && now - learnStart < learnNanos;
        Map<String, Scope> scopes = rules.computeIfAbsent(rule, r -> new HashMap<>());
        Scope s = scopes.get(scope);
        if (s == null) {
            if (scopes.size() >= maxScopes) {
                scopesCapped.increment();
                return false; // an unknown scope beyond the bound is not judged: no baseline to judge by
            }
            s = new Scope(now);
            s.summarized = !learning; // made after the period: each of its tuples fires, nothing to summarise
            scopes.put(scope, s);
            dirty = true;
        }
        if (s.tuples.containsKey(tuple)) {
            return false;
        }
        if (s.flagged.contains(tuple)) {
            if (!learning && s.tuples.size() < maxTuples) {
                s.flagged.remove(tuple);
                s.tuples.put(tuple, new Learned(now, where, true)); // alerted when the suspect did it: known now
                dirty = true;
                listener.learned(rule, scope, tuple, now, true);
            }
            return false;
        }
        if (suspect && learning) {
            if (s.flagged.size() >= maxTuples) {
                tuplesCapped.increment();
                return true; // cannot remember it was alerted: alert again rather than stay silent
            }
            s.flagged.add(tuple);
            dirty = true;
            return true;
        }
        if (s.tuples.size() >= maxTuples) {
            tuplesCapped.increment();
            return !learning;
        }
        s.tuples.put(tuple, new Learned(now, where, !learning));
        dirty = true;
        listener.learned(rule, scope, tuple, now, !learning);
        return !learning;
    }

    /** Sets who is told of what this node learns ({@link LearnedListener#NONE} to stop). */
    public synchronized void onLearned(LearnedListener l) {
        listener = l;
    }

    /**
     * Learns a tuple another node (or this one, before a restart) published: known from now on, with its
     * when and where; never summarised here (the node that learned it summarises it). A scope it makes
     * in this node's learning period is summarised with what this node learns in it. Bounds apply.
     */
    public synchronized Applied applyShared(String rule, String scope, String tuple, long atNanos, String node,
                                            boolean alerted, long now) {
        if (!rules.containsKey(rule) && rules.size() >= MAX_RULES) {
            scopesCapped.increment(); // a record naming rule after rule must not grow the store without bound
            return Applied.CAPPED;
        }
        Map<String, Scope> scopes = rules.computeIfAbsent(rule, r -> new HashMap<>());
        Scope s = scopes.get(scope);
        if (s == null) {
            if (scopes.size() >= maxScopes) {
                scopesCapped.increment();
                return Applied.CAPPED;
            }
            s = new Scope(atNanos);
            // In the period, this node's own learning in the scope is still to be summarised at its end;
            // a rule this node has not matched yet has no known period: nothing to summarise.
            Long learnNanos = learnNanosByRule.get(rule);
            s.summarized = learnStart != Long.MIN_VALUE
                && (learnNanos == null || learnStart == LEARNING_FORFEITED || now - learnStart >= learnNanos);
            scopes.put(scope, s);
            dirty = true;
        }
        if (s.tuples.containsKey(tuple)) {
            return Applied.KNOWN;
        }
        if (s.tuples.size() >= maxTuples) {
            tuplesCapped.increment();
            return Applied.CAPPED;
        }
        s.flagged.remove(tuple); // the cluster learned it; this node alerted on it already
        s.tuples.put(tuple, new Learned(atNanos, node, alerted));
        dirty = true;
        return Applied.LEARNED;
    }

    /**
     * Takes the cluster's learning period start: the earlier of it and this node's own (one period for
     * the cluster, begun by its first agent). A node whose period was forfeited (issue 16) keeps it so.
     */
    public synchronized void adoptLearnStart(long clusterStart) {
        if (learnStart == LEARNING_FORFEITED || clusterStart == Long.MIN_VALUE || clusterStart == LEARNING_FORFEITED) {
            return;
        }
        if (learnStart == Long.MIN_VALUE || clusterStart < learnStart) {
            learnStart = clusterStart;
            dirty = true;
        }
    }

    /** The tuples {@code node} learned itself (where = node), in rule, scope and learning order. */
    public synchronized List<OwnTuple> ownTuples(String node) {
        List<OwnTuple> out = new ArrayList<>();
        rules.forEach((rule, scopes) -> new TreeMap<>(scopes).forEach((scope, s) ->
            s.tuples.forEach((t, l) -> {
                if (node.equals(l.where())) {
                    out.add(new OwnTuple(rule, scope, t, l.atNanos(), l.alerted()));
                }
            })));
        return out;
    }

    /**
     * The summaries due for a rule whose learning period ended by {@code now}: one per scope that learned
     * in it and was not yet summarised (each is marked summarised and persisted, so a restart does not
     * repeat it). Empty before the period ends. Lists the tuples learned by {@code where} (this node).
     */
    synchronized List<Summary> takeSummaries(String rule, long learnNanos, long now, String where) {
        if (learnStart == Long.MIN_VALUE || learnStart == LEARNING_FORFEITED || now - learnStart < learnNanos) {
            return List.of();
        }
        Map<String, Scope> scopes = rules.get(rule);
        if (scopes == null) {
            return List.of();
        }
        List<Summary> out = new ArrayList<>();
        for (Map.Entry<String, Scope> e : new TreeMap<>(scopes).entrySet()) {
            Scope s = e.getValue();
            if (s.summarized) {
                continue;
            }
            s.summarized = true;
            dirty = true;
            List<String> learned = new ArrayList<>();
            s.tuples.forEach((t, l) -> {
                if (where.equals(l.where())) {
                    learned.add(t);
                }
            });
            if (!learned.isEmpty() || !s.flagged.isEmpty()) {
                out.add(new Summary(rule, e.getKey(), learned, List.copyOf(s.flagged), learnStart + learnNanos));
            }
        }
        return out;
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

    /** Every learned tuple, by rule, scope and learning order. */
    public synchronized List<Row> rows() {
        List<Row> out = new ArrayList<>();
        rules.forEach((rule, scopes) -> new TreeMap<>(scopes).forEach((scope, s) ->
            s.tuples.forEach((t, l) -> out.add(new Row(rule, scope, t, l.atNanos(), l.where())))));
        return out;
    }

    private synchronized double scopeCount(boolean learned) {
        long n = 0;
        for (Map<String, Scope> scopes : rules.values()) {
            for (Scope s : scopes.values()) {
                if (s.summarized == learned) {
                    n++;
                }
            }
        }
        return n;
    }

    private synchronized double tupleTotal() {
        long n = 0;
        for (Map<String, Scope> scopes : rules.values()) {
            for (Scope s : scopes.values()) {
                n += s.tuples.size();
            }
        }
        return n;
    }

    /** Writes the baselines if anything changed since the last save. Atomic: temp file + rename. */
    public synchronized void save() {
        if (dir == null || !dirty) {
            return;
        }
        try {
            PrivateDirectories.ensure(dir);
            writeFile(dir.resolve(FILE));
            dirty = false;
        } catch (IOException e) {
            LOG.warn("cannot save baselines in {}: {}", dir, e.toString());
        }
    }

    /** Writes every baseline to {@code file} (the state file's format, checksummed). */
    public synchronized void exportTo(Path file) throws IOException {
        writeFile(file);
    }

    /**
     * Merges a baselines file (an export, a seed): every tuple not yet known is learned, with the file's
     * when and where ({@code defaultWhere} for an entry that names none); bounds apply and are counted.
     * A scope it makes counts as learned. A file whose checksum fails is refused.
     *
     * @return the tuples added
     */
    public synchronized int importFrom(Path file, String defaultWhere) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        JsonNode data = root.get("rules");
        if (data == null || !data.isObject()) {
            throw new IOException(file + ": no \"rules\" object");
        }
        if (root.has("crc32") && root.path("crc32").asLong(-1)
            != crc(JSON.writeValueAsBytes(data), root.path("learnStart").asLong(Long.MIN_VALUE))) {
            throw new IOException(file + ": checksum mismatch (edited by hand? drop the crc32 key to import it)");
        }
        int added = 0;
        for (Iterator<Map.Entry<String, JsonNode>> r = data.fields(); r.hasNext(); ) {
            Map.Entry<String, JsonNode> re = r.next();
            Map<String, Scope> scopes = rules.computeIfAbsent(re.getKey(), k -> new HashMap<>());
            for (Iterator<Map.Entry<String, JsonNode>> it = re.getValue().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> se = it.next();
                Scope s = scopes.get(se.getKey());
                if (s == null) {
                    if (scopes.size() >= maxScopes) {
                        scopesCapped.increment();
                        continue;
                    }
                    s = new Scope(se.getValue().path("firstSeen").asLong());
                    s.summarized = true;
                    scopes.put(se.getKey(), s);
                }
                for (JsonNode t : se.getValue().path("tuples")) {
                    String tuple = t.isTextual() ? t.asText() : t.path("tuple").asText();
                    if (s.tuples.containsKey(tuple)) {
                        continue;
                    }
                    if (s.tuples.size() >= maxTuples) {
                        tuplesCapped.increment();
                        continue;
                    }
                    long at = t.isTextual() ? s.firstSeen : t.path("at").asLong(s.firstSeen);
                    String where = t.isTextual() || !t.hasNonNull("where") ? defaultWhere : t.path("where").asText();
                    s.flagged.remove(tuple);
                    s.tuples.put(tuple, new Learned(at, where, t.path("alerted").asBoolean(false)));
                    added++;
                }
            }
        }
        if (added > 0) {
            dirty = true;
        }
        return added;
    }

    private void writeFile(Path target) throws IOException {
        ObjectNode data = JSON.createObjectNode();
        for (Map.Entry<String, Map<String, Scope>> r : rules.entrySet()) {
            ObjectNode scopes = data.putObject(r.getKey());
            for (Map.Entry<String, Scope> s : new TreeMap<>(r.getValue()).entrySet()) {
                ObjectNode sc = scopes.putObject(s.getKey());
                sc.put("firstSeen", s.getValue().firstSeen);
                sc.put("summarized", s.getValue().summarized);
                ArrayNode t = sc.putArray("tuples");
                s.getValue().tuples.forEach((tuple, l) -> {
                    ObjectNode o = t.addObject();
                    o.put("tuple", tuple);
                    o.put("at", l.atNanos());
                    if (l.where() != null) {
                        o.put("where", l.where());
                    }
                    if (l.alerted()) {
                        o.put("alerted", true);
                    }
                });
                ArrayNode f = sc.putArray("flagged");
                s.getValue().flagged.forEach(f::add);
            }
        }
        byte[] body = JSON.writeValueAsBytes(data);
        ObjectNode file = JSON.createObjectNode();
        file.put("version", FORMAT_VERSION);
        file.put("crc32", crc(body, learnStart));
        file.put("learnStart", learnStart);
        file.set("rules", data);
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, target.getFileName().toString(), ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(file));
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void load() {
        if (dir == null) {
            return;
        }
        Path f = dir.resolve(FILE);
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                PrivateDirectories.ensure(dir);
            }
            PrivateDirectories.checkFile(f);
            JsonNode root;
            try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
                root = JSON.readTree(in);
            }
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
                    JsonNode v = s.getValue();
                    Scope sc = new Scope(v.path("firstSeen").asLong());
                    // version 2 files hold bare tuples and no summary state: their scopes learned before summaries existed
                    sc.summarized = v.path("summarized").asBoolean(true);
                    v.path("tuples").forEach(t -> {
                        if (t.isTextual()) {
                            sc.tuples.put(t.asText(), new Learned(sc.firstSeen, null, false));
                        } else {
                            sc.tuples.put(t.path("tuple").asText(),
                                new Learned(t.path("at").asLong(sc.firstSeen), t.hasNonNull("where") ? t.path("where").asText() : null,
                                    t.path("alerted").asBoolean(false)));
                        }
                    });
                    v.path("flagged").forEach(t -> sc.flagged.add(t.asText()));
                    scopes.put(s.getKey(), sc);
                });
                rules.put(r.getKey(), scopes);
            });
        } catch (IOException | RuntimeException e) {
            loadFailed.increment();
            // Never the exception's message: a parser's names the token it choked on, which is the
            // file's content (a link to a secret would leak it into the log).
            LOG.error("baselines in {} refused ({}): set aside as {}.corrupt; the learning period is over, every "
                + "unseen tuple alerts; the seeds (rules.baselineSeeds) are the baseline", f, reason(e), FILE);
            try {
                // rename(2) moves a link itself, never its target
                Files.move(f, dir.resolve(FILE + ".corrupt"), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // nothing more to do: the next save replaces it (a rename, which never follows a link)
            }
            rules.clear();
            learnStart = LEARNING_FORFEITED;
            dirty = true;
        }
    }

    /** Why a baseline file was refused, in words that quote nothing of its content. */
    private static String reason(Exception e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            return "not valid JSON at " + (j.getLocation() == null ? "?" : "line " + j.getLocation().getLineNr()
                + " column " + j.getLocation().getColumnNr());
        }
        if (e instanceof IOException && e.getMessage() != null && e.getMessage().startsWith("refusing ")) {
            return e.getMessage(); // PrivateDirectories' own words: a path, a mode, an owner
        }
        if (e instanceof IOException && "checksum mismatch".equals(e.getMessage())) {
            return "checksum mismatch";
        }
        return e.getClass().getSimpleName();
    }

    private static long crc(byte[] b, long learnStart) {
        CRC32 c = new CRC32();
        c.update(b);
        c.update(Long.toString(learnStart).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return c.getValue();
    }
}
