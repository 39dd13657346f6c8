package dev.vigil.rules;

import dev.vigil.alert.Alert;
import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped ruleset catches the four attacks of DESIGN.md and stays quiet on ordinary work. */
class DefaultRulesTest {
    static final String C = "de6b9f00ba11";
    static final long T0 = 1_795_000_000_000_000_000L;

    static RuleEngine engine() {
        LoadResult r = RulesetLoader.forCheck().load(List.of(), true);
        assertEquals(0, r.errors(), r.problems().toString());
        assertEquals(0, r.skipped(), r.problems().toString());
        return r.matcher();
    }

    static List<String> rulesFired(RuleEngine e, Event ev) {
        List<String> out = new ArrayList<>();
        e.match(ev, a -> out.add(a.rule()));
        return out;
    }

    static Event ev(String type, long t, Object... kv) {
        Object[] all = new Object[kv.length + 8];
        System.arraycopy(new Object[] {"evt.rawtime", t, "container.id", C, "container.image.repository", "evil/img",
            "proc.name", "x"}, 0, all, 0, 8);
        System.arraycopy(kv, 0, all, 8, kv.length);
        return TestEvents.event(type, all);
    }

    @Test
    void everyShippedRuleCarriesOneCategoryTagAndMitreTags() throws Exception {
        LoadResult r = RulesetLoader.forCheck().load(List.of(), true);
        assertTrue(r.loaded() >= 10, r.summary());
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        var categories = java.util.Set.of("cap_sys_admin", "fork_bomb", "raw_socket", "privileged", "sensor_gap", "posture");
        int rules = 0;
        for (var item : yaml.readTree(RulesetLoader.class.getResourceAsStream(RulesetLoader.DEFAULT_RESOURCE))) {
            if (!item.has("rule")) {
                continue;
            }
            rules++;
            List<String> tags = new ArrayList<>();
            item.path("tags").forEach(t -> tags.add(t.asText()));
            assertEquals(1, tags.stream().filter(categories::contains).count(), item.get("rule") + ": " + tags);
            assertTrue(tags.stream().anyMatch(t -> t.startsWith("mitre_")), item.get("rule") + ": " + tags);
            assertTrue(tags.stream().anyMatch(t -> t.matches("T\\d{4}(\\.\\d{3})?")), item.get("rule") + ": " + tags);
        }
        assertEquals(r.loaded(), rules);
    }

    @Test
    void everySensorLossReportIsOneAlertNamingTheGap() {
        RuleEngine e = engine();
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // three gaps, three alerts: never folded
            e.match(TestEvents.event("vigil_sensor_lost", "evt.rawtime", T0 + 10_000_000_000L * i,
                "evt.arg.lost", 1076L + i, "evt.arg.reason", "agent_away_buffer_full",
                "evt.arg.first_time", T0 - 3_000_000_000L, "evt.arg.last_time", T0 - 1_000_000_000L), alerts::add);
        }
        assertEquals(3, alerts.size(), alerts.toString());
        Alert a = alerts.get(0);
        assertEquals("Sensor lost events", a.rule());
        assertEquals("Sensor lost events, the node was blind (lost=1076 reason=agent_away_buffer_full from="
            + (T0 - 3_000_000_000L) + " to=" + (T0 - 1_000_000_000L) + ")", a.output());
        assertEquals(List.of("sensor_gap", "host", "mitre_defense_evasion", "T1562.001"), a.tags());
        assertEquals(List.of(), rulesFired(e, TestEvents.event("vigil_sensor_lost", "evt.rawtime", T0,
            "evt.arg.lost", 0L, "evt.arg.reason", "ringbuf_full")));
    }

    @Test
    void aThrottleEpisodeIsOneAlertNamingTheContainerAndItsStopLineNone() {
        RuleEngine e = engine();
        List<Alert> alerts = new ArrayList<>();
        e.match(ev("vigil_sensor_throttle", T0, "proc.name", "storm", "proc.pid", 4242L, "evt.arg.state", "start",
            "evt.arg.reason", "security_budget", "evt.arg.rate", 5000L, "evt.arg.burst", 5000L), alerts::add);
        e.match(TestEvents.event("vigil_sensor_throttle", "evt.rawtime", T0 + 9_000_000_000L, "container.id", C,
            "evt.arg.state", "stop", "evt.arg.throttled", 170000L, "evt.arg.throttled_process", 0L,
            "evt.arg.throttled_security", 170000L), alerts::add);
        assertEquals(1, alerts.size(), alerts.toString());
        Alert a = alerts.get(0);
        assertEquals("Sensor throttled a container", a.rule());
        assertEquals(C, a.outputFields().get("container.id"));
        assertTrue(a.output().startsWith("Sensor throttled a container's events, its storm is not all seen "
            + "(reason=security_budget rate=5000 burst=5000 proc=storm pid=4242 "), a.output());
        assertEquals(List.of("sensor_gap", "container", "mitre_defense_evasion", "T1562.001"), a.tags());
    }

    @Test
    void rawAndPacketSockets() {
        RuleEngine e = engine();
        assertEquals(List.of("Packet socket in container"),
            rulesFired(e, ev("socket", T0, "evt.arg.domain", 17L, "evt.arg.type", 3L, "evt.res", 5L, "evt.failed", false)));
        assertEquals(List.of("Raw IP socket in container"),
            rulesFired(e, ev("socket", T0, "evt.arg.domain", 2L, "evt.arg.type", 3L, "evt.res", 5L)));
        // the allowlist keys on the executable's path (issue 15), so the real ping carries its path
        assertEquals(List.of(), rulesFired(e, ev("socket", T0, "evt.arg.domain", 2L, "evt.arg.type", 3L, "proc.name", "ping",
            "proc.exepath", "/usr/bin/ping")));
        List<dev.vigil.alert.Alert> alerts = new ArrayList<>();
        e.match(ev("socket", T0, "evt.arg.domain", 17L, "evt.arg.type", 3L, "evt.arg.proto", 768L, "proc.name", "tcpdump",
            "proc.pid", 4242L), alerts::add);
        dev.vigil.alert.Alert a = alerts.get(0);
        assertTrue(a.output().startsWith("Packet socket in container (proc=tcpdump pid=4242 cmdline=<NA> type=SOCK_RAW proto=768 "),
            a.output());
        assertEquals("SOCK_RAW", a.outputFields().get("evt.arg.type"));
        assertEquals(768L, a.outputFields().get("evt.arg.proto"));
        assertEquals(List.of("raw_socket", "container", "network", "mitre_discovery", "mitre_credential_access", "T1040"), a.tags());
        assertEquals(List.of(), rulesFired(e, ev("socket", T0, "evt.arg.domain", 2L, "evt.arg.type", 1L)));
        assertEquals(List.of(), rulesFired(e, TestEvents.event("socket", "container.id", "host", "evt.arg.domain", 17L)));
    }

    @Test
    void privilegedAndExtraCapabilities() {
        RuleEngine e = engine();
        assertEquals(List.of("Privileged container process"),
            rulesFired(e, ev("execve", T0, "thread.cap_effective", Capabilities.FULL_SET)));
        assertEquals(List.of(), rulesFired(e, ev("execve", T0 + 60_000_000_000L, "thread.cap_effective", Capabilities.FULL_SET)),
            "one alert per privileged container per hour");
        assertEquals(List.of("Privileged container process"),
            rulesFired(e, ev("execve", T0 + 7_200_000_000_000L, "thread.cap_effective", Capabilities.FULL_SET)),
            "and again in the next hour");
        assertEquals(List.of("Privileged container process"), rulesFired(e, ev("execve", T0, "container.id", "b2b2b2b2b2b2",
            "thread.cap_effective", Capabilities.DOCKER_DEFAULT, "container.privileged", true)));
        assertEquals(List.of("Container process with capabilities beyond the default set"), rulesFired(e,
            ev("execve", T0, "container.id", "c3c3c3c3c3c3", "thread.cap_effective", Capabilities.DOCKER_DEFAULT | (1L << 12))));
        assertEquals(List.of(), rulesFired(e, ev("execve", T0, "container.id", "d4d4d4d4d4d4",
            "thread.cap_effective", Capabilities.DOCKER_DEFAULT)));
        assertEquals(List.of(), rulesFired(e, ev("execve", T0, "container.id", "e5e5e5e5e5e5", "thread.cap_effective",
            Capabilities.FULL_SET, "container.image.repository", "registry.k8s.io/kube-proxy")), "trusted node infrastructure");
    }

    @Test
    void forkBombAtPidsLimitOneAlertPerSecondWithTheCount() {
        RuleEngine e = engine();
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 300; i++) { // 300 refused forks over 1.5 s
            e.match(ev("clone", T0 + i * 5_000_000L, "evt.res", -11L, "container.pids_limit", 100L), alerts::add);
        }
        assertEquals(2, alerts.size(), alerts.toString());
        assertEquals("Fork refused at pids limit in container", alerts.get(0).rule());
        assertEquals(1L, alerts.get(0).outputFields().get("aggregate.count"));
        assertTrue((Long) alerts.get(1).outputFields().get("aggregate.count") > 150, alerts.get(1).output());
        assertTrue(alerts.get(1).output().contains("refused="), alerts.get(1).output());
        assertEquals(List.of("Container pids.max reached"), rulesFired(e, ev("pids_max_hit", T0)));
        assertEquals(List.of("Container near pids limit"),
            rulesFired(e, ev("clone", T0, "evt.res", 12L, "container.pids_usage", 95L, "container.pids_limit", 100L)));
    }

    @Test
    void forkStormWithoutLimitFiresAboveTheRateOnly() {
        RuleEngine e = engine();
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 400; i++) { // 200/s for 2 s: a busy build, quiet
            e.match(ev("clone", T0 + i * 5_000_000L, "evt.res", 100L + i, "container.pids_limit", -1L), alerts::add);
        }
        assertEquals(0, alerts.size());
        for (int i = 0; i < 2000; i++) { // 10000/s: a fork bomb
            e.match(ev("clone", T0 + 3_000_000_000L + i * 100_000L, "evt.res", 100L + i, "container.pids_limit", -1L), alerts::add);
        }
        assertEquals(1, alerts.size());
        assertEquals("Fork storm in container without pids limit", alerts.get(0).rule());
        assertEquals(List.of("fork_bomb", "container", "mitre_impact", "T1499"), alerts.get(0).tags());
    }

    @Test
    void capSysAdminLearnsDuringTheNodesPeriodThenFiresOnNewExecutables() {
        RuleEngine e = engine();
        Event csi = ev("mount", T0, "proc.exepath", "/csi-driver", "evt.res", 0L, "container.image.repository", "csi");
        assertEquals(List.of(), rulesFired(e, csi));
        Event later = ev("mount", T0 + 3_600_000_000_000L, "proc.exepath", "/csi-driver", "evt.res", 0L,
            "container.image.repository", "csi");
        assertEquals(List.of(RuleEngine.SUMMARY_RULE), rulesFired(e, later),
            "learned: the CSI driver mounting all day stays quiet; the period's end raises its scope's summary");
        Event shell = ev("mount", T0 + 3_600_000_000_000L, "proc.exepath", "/bin/sh", "evt.res", 0L,
            "container.image.repository", "csi");
        assertEquals(List.of("CAP_SYS_ADMIN syscall succeeded in container"), rulesFired(e, shell));
        Event cap = ev("capable", T0 + 3_600_000_000_000L, "evt.arg.cap", 21L, "evt.res", 0L, "evt.arg.audit", true,
            "evt.arg.userns_level", 0L, "proc.exepath", "/bin/sh", "container.image.repository", "csi");
        assertEquals(List.of("CAP_SYS_ADMIN used in container"), rulesFired(e, cap),
            "after the node's learning period, a new executable exercising CAP_SYS_ADMIN fires");
        Event kmod = ev("finit_module", T0, "evt.res", 0L);
        assertTrue(rulesFired(e, kmod).contains("Kernel module loaded from container"));
    }

}
