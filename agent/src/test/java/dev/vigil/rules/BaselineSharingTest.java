package dev.vigil.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's side of shared baselines: what it tells the publisher, and what received tuples do to it. */
class BaselineSharingTest {
    private static final long SEC = 1_000_000_000L;
    private static final long LEARN = 60 * SEC;
    private static final String R = "Image program";

    @TempDir
    Path dir;

    private final List<String> told = new ArrayList<>();

    private BaselineStore store(Path d) {
        BaselineStore s = new BaselineStore(d, 10, 10, new SimpleMeterRegistry());
        s.onLearned((rule, scope, tuple, at, alerted) -> told.add(scope + " " + tuple + (alerted ? " alerted" : " window")));
        return s;
    }

    @Test
    void onlyWhatThisNodeLearnedOrAlertedFirstIsTold() throws Exception {
        BaselineStore s = store(null);
        assertFalse(s.observe(R, "web", "web/nginx", 0, LEARN, "node-a", false));          // learned in the period
        assertTrue(s.observe(R, "web", "web/evil", SEC, LEARN, "node-a", true));            // a suspect: fires, flagged
        assertTrue(s.observe(R, "web", "web/curl", 2 * LEARN, LEARN, "node-a", false));     // after: fires, learned
        assertFalse(s.observe(R, "web", "web/evil", 2 * LEARN, LEARN, "node-a", false));    // flagged, seen after: learned
        assertEquals(List.of("web web/nginx window", "web web/curl alerted", "web web/evil alerted"), told);

        // Neither a received tuple nor a seed is told: only an agent's own learning is published.
        assertEquals(BaselineStore.Applied.LEARNED, s.applyShared(R, "web", "web/sh", 5, "node-b", false, 3 * LEARN));
        Path seed = dir.resolve("seed.json");
        Files.writeString(seed, "{\"rules\":{\"" + R + "\":{\"db\":{\"tuples\":[\"db/postgres\"]}}}}");
        assertEquals(1, s.importFrom(seed, "seed:x"));
        assertEquals(3, told.size());
    }

    @Test
    void aReceivedTupleIsKnownAndFiresNowhere() {
        BaselineStore s = store(null);
        s.startLearning(0);
        assertEquals(BaselineStore.Applied.LEARNED, s.applyShared(R, "web", "web/nginx", 7, "node-b", false, 2 * LEARN));
        assertEquals(BaselineStore.Applied.KNOWN, s.applyShared(R, "web", "web/nginx", 9, "node-c", false, 2 * LEARN));
        assertFalse(s.observe(R, "web", "web/nginx", 2 * LEARN, LEARN, "node-a", false), "known: no alert");
        assertTrue(s.observe(R, "web", "web/curl", 2 * LEARN, LEARN, "node-a", false), "new to the cluster: alert");
        BaselineStore.Row row = s.rows().get(0);
        assertEquals("node-b", row.where(), "the node that learned it first");
        assertEquals(7, row.atNanos());
    }

    @Test
    void aJoiningNodeTakesTheClustersPeriodAndIsPastIt() {
        BaselineStore s = store(null);
        s.adoptLearnStart(0);                        // the cluster began an hour ago
        s.startLearning(3600 * SEC);                 // this node's first event: its own start is not taken
        assertEquals(0, s.learnStart());
        assertTrue(s.observe(R, "web", "web/curl", 3600 * SEC, LEARN, "node-c", false), "not learning: fires");
        s.adoptLearnStart(10 * SEC);
        assertEquals(0, s.learnStart(), "the earliest start stays");
    }

    @Test
    void aForfeitedPeriodStaysForfeited() throws Exception {
        Path d = Files.createDirectories(dir.resolve("state"));
        Files.writeString(d.resolve(BaselineStore.FILE), "{\"rules\":{}, \"crc32\": 1}");
        BaselineStore s = store(d);
        assertEquals(BaselineStore.LEARNING_FORFEITED, s.learnStart());
        s.adoptLearnStart(0);
        assertEquals(BaselineStore.LEARNING_FORFEITED, s.learnStart(), "a corrupt state file buys no period from the topic");
    }

    @Test
    void receivedTuplesRespectTheBoundsAndManyRuleNamesCannotGrowTheStore() {
        BaselineStore s = store(null);
        for (int i = 0; i < 10; i++) {
            s.applyShared(R, "web", "web/p" + i, 1, "n", false, 0);
        }
        assertEquals(BaselineStore.Applied.CAPPED, s.applyShared(R, "web", "web/p10", 1, "n", false, 0));
        for (int i = 0; i < BaselineStore.MAX_RULES; i++) {
            s.applyShared("rule " + i, "s", "s/t", 1, "n", false, 0);
        }
        assertEquals(BaselineStore.Applied.CAPPED, s.applyShared("one rule too many", "s", "s/t", 1, "n", false, 0));
    }

    @Test
    void ownTuplesAndHowTheyWereLearnedSurviveARestart() {
        BaselineStore s = store(dir);
        s.observe(R, "web", "web/nginx", 0, LEARN, "node-a", false);
        s.observe(R, "web", "web/curl", 2 * LEARN, LEARN, "node-a", false);
        s.applyShared(R, "web", "web/sh", 5, "node-b", false, 2 * LEARN);
        s.save();
        List<BaselineStore.OwnTuple> own = new BaselineStore(dir, 10, 10, new SimpleMeterRegistry()).ownTuples("node-a");
        assertEquals(List.of(new BaselineStore.OwnTuple(R, "web", "web/nginx", 0, false),
            new BaselineStore.OwnTuple(R, "web", "web/curl", 2 * LEARN, true)), own);
    }
}
