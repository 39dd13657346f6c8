package dev.vigil.rules;

import dev.vigil.alert.Alert;
import dev.vigil.event.Event;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** aggregate and baseline over event time (replay) and wall time (live, fake clock); restarts. */
class AggregateBaselineTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_795_000_000L * S;

    static final String AGG = """
        - rule: Clone burst
          desc: x
          condition: evt.type = clone
          output: burst of %aggregate.count in %container.id
          priority: WARNING
          tags: [fork_bomb]
          aggregate: {by: [container.id], window: 1s, count: 5}
        """;
    static final String BASE = """
        - rule: New exe
          desc: x
          condition: evt.type = execve
          output: new %proc.exepath in %container.image.repository
          priority: NOTICE
          tags: [drift]
          baseline: {key: [container.image.repository, proc.exepath], learn: 10m}
        """;

    static RuleEngine engine(String rules, TimeSource time, BaselineStore store, int maxKeys, SimpleMeterRegistry reg) {
        LoadResult r = new RulesetLoader("node-1", time, store, maxKeys, reg)
            .loadSources(List.of(RulesetLoader.RuleSource.ofString("t.yaml", rules)));
        assertEquals(0, r.errors(), r.problems().toString());
        return r.matcher();
    }

    /** Collects the detections only: the learning summaries ({@link RuleEngine#SUMMARY_RULE}) are BaselineGateTest's. */
    static dev.vigil.alert.AlertEmitter detections(List<Alert> out) {
        return a -> {
            if (!a.rule().equals(RuleEngine.SUMMARY_RULE)) {
                out.add(a);
            }
        };
    }

    static BaselineStore store(Path dir, SimpleMeterRegistry reg) {
        return new BaselineStore(dir, 100, 100, reg);
    }

    static Event clone(long t, String container) {
        return TestEvents.event("clone", "evt.rawtime", t, "container.id", container);
    }

    static Event exec(long t, String image, String exe) {
        return TestEvents.event("execve", "evt.rawtime", t, "container.image.repository", image, "proc.exepath", exe);
    }

    @Test
    void aggregateOverEventTimeFiresOncePerKeyPerWindowWithTheCount() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine e = engine(AGG, TimeSource.eventTime(), store(null, reg), 100, reg);
        List<Alert> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            e.match(clone(T0 + i * S / 10, "a"), out::add);
        }
        assertEquals(0, out.size(), "4 in the window: below the count");
        e.match(clone(T0 + S / 2, "b"), out::add);
        assertEquals(0, out.size(), "another key counts apart");
        e.match(clone(T0 + S / 2, "a"), out::add);
        assertEquals(1, out.size());
        assertEquals("burst of 5 in a", out.get(0).output());
        assertEquals(5L, out.get(0).outputFields().get("aggregate.count"));
        assertEquals("a", out.get(0).outputFields().get("container.id"));
        for (int i = 0; i < 10; i++) {
            e.match(clone(T0 + S / 2 + i * S / 100, "a"), out::add);
        }
        assertEquals(1, out.size(), "one alert per key per window");
        e.match(clone(T0 + 5 * S, "a"), out::add);
        assertEquals(1, out.size(), "the window slid: old matches no longer count");
    }

    @Test
    void aggregateOverWallTimeIgnoresEventTime() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        AtomicLong now = new AtomicLong(T0);
        RuleEngine e = engine(AGG, TimeSource.wallTime(now::get), store(null, reg), 100, reg);
        List<Alert> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            e.match(clone(0, "a"), out::add); // bogus event time: the wall clock rules
            now.addAndGet(S / 2);
        }
        assertEquals(0, out.size(), "5 matches over 2.5 s of wall time: never 5 in one second");
        for (int i = 0; i < 5; i++) {
            e.match(clone(0, "a"), out::add);
            now.addAndGet(S / 100);
        }
        assertEquals(1, out.size());
    }

    @Test
    void liveAReplayedBurstCountsAtItsOwnTimeNotWhenItArrived() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        AtomicLong now = new AtomicLong(T0 + 20 * S); // the agent is back 20 s after the events
        RuleEngine live = engine(AGG, TimeSource.liveTime(now::get, TimeSource.LIVE_MAX_BEHIND_NANOS,
            TimeSource.LIVE_MAX_AHEAD_NANOS), store(null, reg), 100, reg);
        RuleEngine wall = engine(AGG, TimeSource.wallTime(now::get), store(null, reg), 100, reg);
        List<Alert> fromLive = new ArrayList<>();
        List<Alert> fromWall = new ArrayList<>();
        for (int i = 0; i < 8; i++) { // 8 clones 300 ms apart: never 5 in one second
            live.match(clone(T0 + i * 3 * S / 10, "a"), fromLive::add);
            wall.match(clone(T0 + i * 3 * S / 10, "a"), fromWall::add);
            now.addAndGet(1_000_000); // replayed 1 ms apart
        }
        assertEquals(0, fromLive.size(), "each at its own time: 4 at most in a window");
        assertEquals(1, fromWall.size(), "on the wall clock the replay looks like a burst");

        // A time the clock cannot vouch for (2 h behind, 1 min ahead) counts at the wall clock.
        List<Alert> skewed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            live.match(clone(T0 - 7200 * S + i * S, "b"), skewed::add);
        }
        assertEquals(1, skewed.size(), "5 within the same wall-clock second");
        for (int i = 0; i < 5; i++) {
            live.match(clone(now.get() + 60 * S + i * S, "c"), skewed::add);
        }
        assertEquals(2, skewed.size());
    }

    @Test
    void aggregateKeysAreBoundedAndEvictionsCounted() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine e = engine(AGG, TimeSource.eventTime(), store(null, reg), 2, reg);
        for (String c : List.of("a", "b", "c", "d")) {
            e.match(clone(T0, c), a -> { });
        }
        assertEquals(2.0, reg.get("vigil.rules.aggregate.keys.evicted").counter().count());
    }

    @Test
    void baselineLearnsDuringTheNodesPeriodThenFiresOnUnseenTuplesOverEventTime() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine e = engine(BASE, TimeSource.eventTime(), store(null, reg), 100, reg);
        List<Alert> out = new ArrayList<>();
        e.match(TestEvents.event("openat", "evt.rawtime", T0), detections(out)); // the node's first event: learning starts
        e.match(exec(T0 + 60 * S, "nginx", "/usr/sbin/nginx"), detections(out));
        e.match(exec(T0 + 120 * S, "nginx", "/bin/sh"), detections(out));
        e.match(exec(T0 + 500 * S, "redis", "/usr/bin/redis"), detections(out));
        assertEquals(0, out.size(), "learning");
        e.match(exec(T0 + 700 * S, "nginx", "/bin/sh"), detections(out));
        assertEquals(0, out.size(), "seen while learning");
        e.match(exec(T0 + 700 * S, "nginx", "/usr/bin/curl"), detections(out));
        assertEquals(1, out.size());
        assertEquals("new /usr/bin/curl in nginx", out.get(0).output());
        e.match(exec(T0 + 701 * S, "nginx", "/usr/bin/curl"), detections(out));
        assertEquals(1, out.size(), "fires once per new tuple");
        e.match(exec(T0 + 800 * S, "postgres", "/bin/sh"), detections(out));
        assertEquals(2, out.size(), "a scope first seen after the node's period is judged at once: "
            + "a new image's first act is not learned silently");
    }

    @Test
    void aMatchWithoutItsScopeFieldIsJudgedWithoutABaseline() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine e = engine(BASE, TimeSource.eventTime(), store(null, reg), 100, reg);
        List<Alert> out = new ArrayList<>();
        Event noImage = TestEvents.event("execve", "evt.rawtime", T0, "proc.exepath", "/bin/sh");
        e.match(noImage, out::add);
        e.match(noImage, out::add);
        assertEquals(2, out.size(), "no image: nothing to learn by, every match fires");
    }

    @Test
    void aContainerMatchBeforeItsImageIsKnownIsJudgedWithTheImageLater() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine e = engine(BASE, TimeSource.eventTime(), store(null, reg), 100, reg);
        List<Alert> out = new ArrayList<>();
        e.match(TestEvents.event("openat", "evt.rawtime", T0), detections(out)); // learning starts
        // A young container's entrypoint, before the runtime named its image
        e.match(TestEvents.event("execve", "evt.rawtime", T0 + 60 * S, "container.id", "c0ffee000001",
            "proc.exepath", "/usr/sbin/nginx"), detections(out));
        assertEquals(1, out.size(), "handed on, to be judged once the identity is known");
        Alert pending = out.get(0);
        assertTrue(pending.judgement() != null);
        assertTrue(pending.judgement().fires(java.util.Map.of("container.id", "c0ffee000001")),
            "still no image: nothing to judge by, it fires");
        java.util.Map<String, Object> named = java.util.Map.of("container.image.repository", "nginx");
        assertFalse(pending.judgement().fires(named), "in the learning period: learned, silent");
        out.clear();
        e.match(exec(T0 + 700 * S, "nginx", "/usr/sbin/nginx"), detections(out));
        assertEquals(0, out.size(), "learned under the image the identity named");

        e.match(TestEvents.event("execve", "evt.rawtime", T0 + 800 * S, "container.id", "c0ffee000002",
            "proc.exepath", "/usr/bin/curl"), detections(out));
        assertTrue(out.get(0).judgement().fires(named), "after the period an unseen tuple fires");
        e.match(TestEvents.event("execve", "evt.rawtime", T0 + 801 * S, "container.id", "c0ffee000003",
            "proc.exepath", "/usr/sbin/nginx"), detections(out));
        assertFalse(out.get(1).judgement().fires(named), "a known one does not");
        e.match(TestEvents.event("execve", "evt.rawtime", T0 + 802 * S, "container.id", "host",
            "proc.exepath", "/usr/sbin/nginx"), detections(out));
        assertEquals(null, out.get(2).judgement(), "a host process has no identity to wait for: fires now");
    }

    @Test
    void baselineOverWallTime() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        AtomicLong now = new AtomicLong(T0);
        RuleEngine e = engine(BASE, TimeSource.wallTime(now::get), store(null, reg), 100, reg);
        List<Alert> out = new ArrayList<>();
        e.match(exec(0, "nginx", "/usr/sbin/nginx"), detections(out));
        now.addAndGet(11 * 60 * S);
        e.match(exec(0, "nginx", "/usr/sbin/nginx"), detections(out));
        e.match(exec(0, "nginx", "/bin/sh"), detections(out));
        assertEquals(1, out.size());
    }

    @Test
    void baselineSurvivesARestartNeitherForgettingNorRelearning(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine first = engine(BASE, TimeSource.eventTime(), store(dir, reg), 100, reg);
        first.match(exec(T0, "nginx", "/usr/sbin/nginx"), a -> { });
        first.saveBaselines();
        assertTrue(Files.exists(dir.resolve(BaselineStore.FILE)));

        SimpleMeterRegistry reg2 = new SimpleMeterRegistry();
        RuleEngine second = engine(BASE, TimeSource.eventTime(), store(dir, reg2), 100, reg2);
        List<Alert> out = new ArrayList<>();
        second.match(exec(T0 + 3600 * S, "nginx", "/usr/sbin/nginx"), detections(out));
        assertEquals(0, out.size(), "not forgotten");
        second.match(exec(T0 + 3600 * S, "nginx", "/bin/sh"), detections(out));
        assertEquals(1, out.size(), "not relearning: the node's period ended an hour ago");
    }

    @Test
    void corruptBaselineFileIsSetAsideAndCounted(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine first = engine(BASE, TimeSource.eventTime(), store(dir, reg), 100, reg);
        first.match(exec(T0, "nginx", "/usr/sbin/nginx"), a -> { });
        first.saveBaselines();
        Path f = dir.resolve(BaselineStore.FILE);
        Files.writeString(f, Files.readString(f).replace("nginx", "nginy"));
        SimpleMeterRegistry reg2 = new SimpleMeterRegistry();
        BaselineStore s = store(dir, reg2);
        assertEquals(1.0, reg2.get("vigil.rules.baseline.load.failed").counter().count());
        assertEquals(0, s.tupleCount("New exe", "nginx"));
    }

    @Test
    void baselineSizeIsBoundedAndCounted() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        BaselineStore s = new BaselineStore(null, 1, 2, reg);
        RuleEngine e = engine(BASE, TimeSource.eventTime(), s, 100, reg);
        for (String exe : List.of("/a", "/b", "/c")) {
            e.match(exec(T0, "nginx", exe), a -> { });
        }
        e.match(exec(T0, "redis", "/r"), a -> { });
        assertEquals(2, s.tupleCount("New exe", "nginx"));
        assertEquals(1.0, reg.get("vigil.rules.baseline.capped").tag("limit", "tuples").counter().count());
        assertEquals(1.0, reg.get("vigil.rules.baseline.capped").tag("limit", "scopes").counter().count());
    }

    /**
     * Issue 16, finding 5: a corrupt baselines file reopened the node's learning period, so whatever came
     * next was learned as normal, silently. Now the period stays over: an unseen tuple alerts at once,
     * and what the seeds hold is known.
     */
    @Test
    void aCorruptBaselineFileDoesNotReopenLearning(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        RuleEngine first = engine(BASE, TimeSource.eventTime(), store(dir, reg), 100, reg);
        first.match(exec(T0, "nginx", "/usr/sbin/nginx"), a -> { });
        first.saveBaselines();
        Path f = dir.resolve(BaselineStore.FILE);
        Files.writeString(f, "{\"rules\": garbage");
        Path seed = dir.resolve("seed.json");
        Files.writeString(seed, "{\"rules\": {\"New exe\": {\"nginx\": {\"tuples\": [\"nginx\\u001f/usr/sbin/nginx\"]}}}}");

        SimpleMeterRegistry reg2 = new SimpleMeterRegistry();
        BaselineStore s = store(dir, reg2);
        s.importFrom(seed, "seed:" + seed);
        RuleEngine second = engine(BASE, TimeSource.eventTime(), s, 100, reg2);
        List<Alert> out = new ArrayList<>();
        long later = T0 + 3600 * S;
        second.match(exec(later, "nginx", "/usr/sbin/nginx"), detections(out));
        assertEquals(0, out.size(), "the seed's tuple is known");
        second.match(exec(later, "nginx", "/tmp/dropper"), detections(out));
        second.match(exec(later, "redis", "/tmp/dropper"), detections(out));
        assertEquals(2, out.size(), "not learning again: unseen tuples alert, in a known scope and a new one");
        assertEquals(1.0, reg2.get("vigil.rules.baseline.load.failed").counter().count());

        second.saveBaselines();
        SimpleMeterRegistry reg3 = new SimpleMeterRegistry();
        RuleEngine third = engine(BASE, TimeSource.eventTime(), store(dir, reg3), 100, reg3);
        List<Alert> out3 = new ArrayList<>();
        third.match(exec(later + S, "postgres", "/usr/bin/postgres"), detections(out3));
        assertEquals(1, out3.size(), "still over after the next restart");
    }

    /**
     * Issue 16, finding 5: a symbolic link planted as baselines.json was read through (its target's
     * first token reached the log) and learning restarted. Now it is refused unread, the target is
     * untouched and the period stays over.
     */
    @Test
    void aSymlinkedBaselineFileIsRefusedUnread(@TempDir Path dir) throws Exception {
        Path state = Files.createDirectory(dir.resolve("baselines"));
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "{\"token\": s3cr3t-t0ken}");
        Files.createSymbolicLink(state.resolve(BaselineStore.FILE), secret);
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        var logged = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        BaselineStore s;
        System.setErr(new java.io.PrintStream(logged, true));
        try {
            s = store(state, reg);
        } finally {
            System.setErr(err);
        }
        assertEquals(1.0, reg.get("vigil.rules.baseline.load.failed").counter().count());
        assertTrue(!logged.toString().contains("s3cr3t"), logged.toString());
        assertEquals("{\"token\": s3cr3t-t0ken}", Files.readString(secret), "the target is untouched");
        RuleEngine e = engine(BASE, TimeSource.eventTime(), s, 100, reg);
        List<Alert> out = new ArrayList<>();
        e.match(exec(T0, "nginx", "/usr/sbin/nginx"), detections(out));
        assertEquals(1, out.size(), "not learning: the period was forfeited");
        e.saveBaselines();
        assertTrue(Files.isRegularFile(state.resolve(BaselineStore.FILE), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("{\"token\": s3cr3t-t0ken}", Files.readString(secret), "saving replaced the link, not its target");
    }

    @Test
    void theBaselineDirectoryIsCreatedPrivate(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        Path state = dir.resolve("state/baselines");
        RuleEngine e = engine(BASE, TimeSource.eventTime(), store(state, reg), 100, reg);
        e.match(exec(T0, "nginx", "/usr/sbin/nginx"), a -> { });
        e.saveBaselines();
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(state)));
    }
}
