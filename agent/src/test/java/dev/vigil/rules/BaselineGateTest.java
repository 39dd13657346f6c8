package dev.vigil.rules;

import dev.vigil.alert.Alert;
import dev.vigil.alert.Priority;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's learning bullets at the engine: never learn from a suspect, capabilities never granted,
 * the learning summary, export and import. Event time; the learning period is 10 minutes.
 */
class BaselineGateTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_795_000_000L * S;
    static final long DEFAULT = 0x00000000a80425fbL;
    static final long SYS_ADMIN = 1L << 21;

    static final String RULES = """
        - list: vigil_trusted_privileged_images
          items: [quay.io/cilium/cilium]
        - rule: Mount
          desc: x
          condition: evt.type = mount
          output: mount by %proc.exepath in %container.image.repository
          priority: WARNING
          tags: [cap_sys_admin]
          baseline: {key: [container.image.repository, proc.exepath], learn: 10m}
        - rule: Sniff
          desc: x
          condition: evt.type = socket
          output: sniff in %container.id
          priority: WARNING
          tags: [raw_socket]
        - rule: Escalation
          desc: x
          condition: evt.type = capable and thread.cap_ungranted != 0x0
          output: ungranted %thread.cap_ungranted granted %container.cap_granted
          priority: CRITICAL
          tags: [cap_not_granted]
        """;

    private final SimpleMeterRegistry reg = new SimpleMeterRegistry();
    private final List<Alert> out = new ArrayList<>();

    private RuleEngine engine(BaselineStore store) {
        return AggregateBaselineTest.engine(RULES, TimeSource.eventTime(), store, 100, reg);
    }

    static Event ev(String type, long t, String container, String image, String exe, long caps, Object... more) {
        Object[] kv = {"evt.rawtime", t, "container.id", container, "container.image.repository", image,
            "proc.exepath", exe, "thread.cap_effective", caps, "evt.res", 0L};
        Object[] all = new Object[kv.length + more.length];
        System.arraycopy(kv, 0, all, 0, kv.length);
        System.arraycopy(more, 0, all, kv.length, more.length);
        return TestEvents.event(type, all);
    }

    private List<String> rules() {
        return out.stream().map(Alert::rule).toList();
    }

    @Test
    void anOrdinaryContainerIsLearnedSilentlyDuringThePeriodAndFiresOnANewTupleAfter() {
        RuleEngine e = engine(new BaselineStore(null, 100, 100, reg));
        e.match(ev("execve", T0, "c1", "web", "/nginx", DEFAULT), out::add);
        e.match(ev("mount", T0 + 10 * S, "c1", "web", "/nginx", DEFAULT), out::add);
        assertEquals(List.of(), rules());
        e.match(ev("mount", T0 + 11 * 60 * S, "c1", "web", "/nginx", DEFAULT), out::add);
        e.match(ev("mount", T0 + 11 * 60 * S, "c1", "web", "/bin/sh", DEFAULT), out::add);
        assertEquals(List.of(RuleEngine.SUMMARY_RULE, "Mount"), rules());
        assertEquals(null, out.get(1).outputFields().get(RuleEngine.SUSPECT_FIELD), "after learning: no suspect reason");
    }

    @Test
    void aContainerGrantedBeyondTheDefaultSetIsASuspectItsTupleFiresOnceAndIsNotLearned() {
        BaselineStore store = new BaselineStore(null, 100, 100, reg);
        RuleEngine e = engine(store);
        e.match(ev("execve", T0, "c2", "tool", "/tool", DEFAULT | SYS_ADMIN), out::add);
        e.match(ev("mount", T0 + 10 * S, "c2", "tool", "/tool", DEFAULT | SYS_ADMIN), out::add);
        e.match(ev("mount", T0 + 20 * S, "c2", "tool", "/tool", DEFAULT | SYS_ADMIN), out::add);
        assertEquals(List.of("Mount"), rules(), "fires once during learning");
        assertEquals("beyond_default_caps", out.get(0).outputFields().get(RuleEngine.SUSPECT_FIELD));
        assertEquals(0, store.tupleCount("Mount", "tool"), "not learned as normal");
        e.match(ev("mount", T0 + 11 * 60 * S, "c2", "tool", "/tool", DEFAULT | SYS_ADMIN), out::add);
        assertEquals(List.of("Mount", RuleEngine.SUMMARY_RULE), rules(), "alerted once already: learned now, silently");
        assertEquals(1, store.tupleCount("Mount", "tool"));
    }

    @Test
    void theSameGrantInATrustedImageIsNoSuspect() {
        BaselineStore store = new BaselineStore(null, 100, 100, reg);
        RuleEngine e = engine(store);
        long full = 0x000001ffffffffffL;
        e.match(ev("execve", T0, "c3", "quay.io/cilium/cilium", "/cilium", full), out::add);
        e.match(ev("mount", T0 + 10 * S, "c3", "quay.io/cilium/cilium", "/cilium", full), out::add);
        assertEquals(List.of(), rules());
        assertEquals(1, store.tupleCount("Mount", "quay.io/cilium/cilium"));
        e.match(ev("execve", T0, "c4", "quay.io/other/agent", "/agent", full), out::add);
        e.match(ev("mount", T0 + 10 * S, "c4", "quay.io/other/agent", "/agent", full), out::add);
        assertEquals(List.of("Mount"), rules(), "a privileged container outside the list is a suspect");
    }

    @Test
    void aMatchJudgedOnceTheImageIsKnownHonoursTheTrustedImages() {
        BaselineStore store = new BaselineStore(null, 100, 100, reg);
        RuleEngine e = engine(store);
        long full = 0x000001ffffffffffL;
        // A privileged container's mount before its runtime named the image: judged with the image, later
        e.match(TestEvents.event("execve", "evt.rawtime", T0, "container.id", "c5", "proc.exepath", "/cilium",
            "thread.cap_effective", full, "evt.res", 0L), out::add);
        e.match(TestEvents.event("mount", "evt.rawtime", T0 + 10 * S, "container.id", "c5", "proc.exepath", "/cilium",
            "thread.cap_effective", full, "evt.res", 0L), out::add);
        Alert pending = out.get(out.size() - 1);
        assertEquals(false, pending.judgement().fires(java.util.Map.of("container.image.repository",
            "quay.io/cilium/cilium")), "a trusted image: no suspect, learned");
        assertEquals(1, store.tupleCount("Mount", "quay.io/cilium/cilium"));
        assertEquals(true, pending.judgement().fires(java.util.Map.of("container.image.repository",
            "quay.io/other/agent")), "the same grant outside the list: a suspect, it fires");
        assertEquals(0, store.tupleCount("Mount", "quay.io/other/agent"));
    }

    @Test
    void aWarningMarksItsContainerASuspectButNotAnother() {
        BaselineStore store = new BaselineStore(null, 100, 100, reg);
        RuleEngine e = engine(store);
        e.match(ev("execve", T0, "c5", "app", "/app", DEFAULT), out::add);
        e.match(ev("execve", T0, "c6", "app", "/app", DEFAULT), out::add);
        e.match(ev("socket", T0 + S, "c5", "app", "/app", DEFAULT), out::add);
        e.match(ev("mount", T0 + 2 * S, "c6", "app", "/mnt", DEFAULT), out::add);
        assertEquals(List.of("Sniff"), rules(), "c6 raised nothing: learned");
        e.match(ev("mount", T0 + 3 * S, "c5", "app", "/app", DEFAULT), out::add);
        assertEquals(List.of("Sniff", "Mount"), rules(), "c5 raised a Warning: its tuple fires");
        assertEquals("warned", out.get(1).outputFields().get(RuleEngine.SUSPECT_FIELD));
        assertEquals(1, store.tupleCount("Mount", "app"));
    }

    @Test
    void aCapabilityNeverGrantedFiresAtOnceDuringLearningAndMakesASuspect() {
        BaselineStore store = new BaselineStore(null, 100, 100, reg);
        RuleEngine e = engine(store);
        e.match(ev("execve", T0, "c7", "web", "/nginx", DEFAULT), out::add);
        Event use = ev("capable", T0 + S, "c7", "web", "/bin/sh", DEFAULT | SYS_ADMIN, "evt.arg.cap", 21L,
            "evt.arg.userns_level", 0L);
        e.match(use, out::add);
        assertEquals(List.of("Escalation"), rules());
        assertEquals("ungranted CAP_SYS_ADMIN granted " + dev.vigil.event.Capabilities.names(DEFAULT), out.get(0).output());
        e.match(ev("mount", T0 + 2 * S, "c7", "web", "/bin/sh", DEFAULT), out::add);
        assertEquals(List.of("Escalation", "Mount"), rules(), "the escalated container's tuple is not learned");
        assertEquals(0, store.tupleCount("Mount", "web"));
    }

    @Test
    void theGrantIsNarrowedByTheFirstExecveOnlyWithinTwoSeconds() {
        RuleEngine e = engine(new BaselineStore(null, 100, 100, reg));
        long full = 0x000001ffffffffffL;
        // the runtime's init holds the full set, then the entrypoint runs with the default set
        e.match(ev("capable", T0, "c8", "web", "/runc", full, "evt.arg.cap", 21L), out::add);
        e.match(ev("execve", T0 + S, "c8", "web", "/app", DEFAULT), out::add);
        e.match(ev("capable", T0 + 5 * S, "c8", "web", "/app", full, "evt.arg.cap", 21L), out::add);
        assertEquals(List.of("Escalation"), rules(), "narrowed to the entrypoint's set: the full set later is an escalation");
        out.clear();
        // seen first long before its first execve (an existing container): the execve does not narrow
        e.match(ev("capable", T0, "c9", "ops", "/ops", DEFAULT | SYS_ADMIN, "evt.arg.cap", 21L), out::add);
        e.match(ev("execve", T0 + 10 * S, "c9", "ops", "/ops", DEFAULT), out::add);
        e.match(ev("capable", T0 + 11 * S, "c9", "ops", "/ops", DEFAULT | SYS_ADMIN, "evt.arg.cap", 21L), out::add);
        assertEquals(List.of(), rules());
    }

    @Test
    void derivedFieldsFromTheWireAreNotBelieved() {
        RuleEngine e = engine(new BaselineStore(null, 100, 100, reg));
        Event forged = TestEvents.event("capable", "evt.rawtime", T0, "container.id", "c10", "evt.res", 0L,
            "thread.cap_ungranted", SYS_ADMIN);
        e.match(forged, out::add);
        assertFalse(forged.has(Field.THREAD_CAP_UNGRANTED));
        assertEquals(List.of(), rules());
    }

    @Test
    void oneSummaryPerScopeListsWhatItLearnedBoundedAndIsNotRepeatedAfterARestart(@TempDir Path dir) {
        BaselineStore store = new BaselineStore(dir, 100, 100, reg);
        RuleEngine e = engine(store);
        for (int i = 0; i < 25; i++) {
            e.match(ev("mount", T0 + i * S, "c11", "big", "/bin/m" + i, DEFAULT), out::add);
        }
        e.match(ev("mount", T0, "c12", "small", "/only", DEFAULT), out::add);
        assertEquals(2.0, reg.get("vigil.baseline.scopes").tag("state", "learning").gauge().value());
        assertEquals(26.0, reg.get("vigil.baseline.tuples").gauge().value());
        assertEquals(List.of(), rules());
        e.match(ev("mount", T0 + 10 * 60 * S, "c12", "small", "/only", DEFAULT), out::add);
        assertEquals(List.of(RuleEngine.SUMMARY_RULE, RuleEngine.SUMMARY_RULE), rules());
        Alert big = out.stream().filter(a -> "big".equals(a.outputFields().get("baseline.scope"))).findFirst().orElseThrow();
        assertEquals(Priority.INFORMATIONAL, big.priority());
        assertEquals(List.of("baseline"), big.tags());
        assertEquals("Mount", big.outputFields().get("baseline.rule"));
        assertEquals(25L, big.outputFields().get("baseline.learned"));
        String tuples = (String) big.outputFields().get("baseline.tuples");
        assertTrue(tuples.startsWith("/bin/m0; /bin/m1; "), tuples);
        assertTrue(tuples.contains("/bin/m19") && !tuples.contains("/bin/m20"), "20 listed: " + tuples);
        assertTrue(tuples.endsWith("… (+5 more)"), tuples);
        assertEquals(0.0, reg.get("vigil.baseline.scopes").tag("state", "learning").gauge().value());
        assertEquals(2.0, reg.get("vigil.baseline.scopes").tag("state", "learned").gauge().value());
        store.save();

        SimpleMeterRegistry reg2 = new SimpleMeterRegistry();
        RuleEngine again = AggregateBaselineTest.engine(RULES, TimeSource.eventTime(), new BaselineStore(dir, 100, 100, reg2), 100, reg2);
        List<Alert> out2 = new ArrayList<>();
        for (int i = 0; i < 2048; i++) {
            again.match(ev("mount", T0 + 3600 * S, "c12", "small", "/only", DEFAULT), out2::add);
        }
        assertEquals(List.of(), out2, "the summaries were raised before the restart");
    }

    @Test
    void exportThenImportMergesKeepingWhatIsKnownAndSaysWhere(@TempDir Path dir) throws Exception {
        BaselineStore a = new BaselineStore(dir.resolve("a"), 100, 100, reg);
        RuleEngine e = engine(a);
        e.match(ev("mount", T0, "c13", "csi", "/csi", DEFAULT), out::add);
        e.match(ev("mount", T0, "c13", "csi", "/csi2", DEFAULT), out::add);
        Path file = dir.resolve("export.json");
        a.exportTo(file);
        assertTrue(Files.readString(file).contains("\"where\" : \"node-1\""));

        BaselineStore b = new BaselineStore(dir.resolve("b"), 100, 100, new SimpleMeterRegistry());
        RuleEngine eb = AggregateBaselineTest.engine(RULES, TimeSource.eventTime(), b, 100, new SimpleMeterRegistry());
        eb.match(ev("mount", T0, "c14", "csi", "/csi", DEFAULT), a2 -> { });
        assertEquals(1, b.importFrom(file, "import:x"), "the known tuple stays, the other is added");
        assertEquals(2, b.tupleCount("Mount", "csi"));
        List<BaselineStore.Row> rows = b.rows();
        assertEquals(List.of("node-1", "node-1"), rows.stream().map(BaselineStore.Row::where).toList());

        Files.writeString(file, Files.readString(file).replace("/csi2", "/csi3"));
        BaselineStore c = new BaselineStore(null, 100, 100, new SimpleMeterRegistry());
        try {
            c.importFrom(file, "import:x");
            throw new AssertionError("a file whose checksum fails must be refused");
        } catch (java.io.IOException expected) {
            assertTrue(expected.getMessage().contains("checksum"), expected.getMessage());
        }
    }
}
