package dev.vigil.bench.gen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NodeStreamGeneratorTest {
    private static final long EVENTS = 250_000;
    private static final long SEED = 42;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] stream;
    private static NodeStreamGenerator.Result result;
    private static List<JsonNode> events;

    @BeforeAll
    static void generateOnce() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 << 20);
        result = NodeStreamGenerator.generate(EVENTS, SEED, 100_000, bytes);
        stream = bytes.toByteArray();
        events = new java.util.ArrayList<>((int) EVENTS);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(stream),
            StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                events.add(JSON.readTree(line));
            }
        }
    }

    private static byte[] digest(long seed) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            NodeStreamGenerator.generate(EVENTS, seed, 100_000, out);
        }
        return md.digest();
    }

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws Exception {
        byte[] first = MessageDigest.getInstance("SHA-256").digest(stream);
        assertArrayEquals(first, digest(SEED));
        assertFalse(java.util.Arrays.equals(first, digest(SEED + 1)));
    }

    @Test
    void everyLineIsAJsonObjectWithATypeInEventTimeOrder() {
        assertEquals(EVENTS, events.size());
        assertEquals(EVENTS, result.lines());
        long last = Long.MIN_VALUE;
        for (JsonNode e : events) {
            assertTrue(e.isObject(), () -> "not an object: " + e);
            assertTrue(e.path("evt.type").isTextual(), () -> "no evt.type: " + e);
            assertTrue(e.path("container.id").isTextual(), () -> "no container.id: " + e);
            long t = e.path("evt.rawtime").asLong();
            assertTrue(t > last, () -> "evt.rawtime not increasing at " + e);
            last = t;
        }
    }

    @Test
    void everyAttackInTheTruthIsInTheStream() {
        assertEquals(Set.of("cap_sys_admin", "fork_bomb", "fork_storm", "packet_socket", "raw_socket", "privileged_shell"),
            kinds());
        for (Attack a : result.attacks()) {
            assertTrue(a.complete(), a.kind() + " did not complete");
            List<JsonNode> in = events.stream()
                .filter(e -> e.path("container.id").asText().equals(a.containerId()))
                .filter(e -> e.path("evt.rawtime").asLong() >= a.firstRawtime()
                    && e.path("evt.rawtime").asLong() <= a.lastRawtime())
                .toList();
            assertTrue(in.size() >= a.events(), a.kind() + ": " + in.size() + " events in its window");
            assertEquals(a.firstRawtime(), in.get(0).path("evt.rawtime").asLong(), a.kind());
            assertEquals(a.lastRawtime(), in.get(in.size() - 1).path("evt.rawtime").asLong(), a.kind());
            switch (a.kind()) {
                case "cap_sys_admin" -> {
                    assertTrue(in.stream().anyMatch(e -> type(e, "capable") && e.path("evt.arg.cap").asText().equals("CAP_SYS_ADMIN")
                        && e.path("evt.arg.audit").asBoolean() && e.path("evt.res").asLong() == 0
                        && e.path("evt.arg.userns_level").asLong() == 0));
                    assertTrue(in.stream().anyMatch(e -> type(e, "mount") && e.path("evt.res").asLong() == 0));
                    assertTrue(in.stream().anyMatch(e -> type(e, "unshare") && e.path("evt.res").asLong() == 0
                        && e.has("evt.arg.flags")));
                    long caps = Long.decode(in.get(0).path("thread.cap_effective").asText());
                    assertTrue((caps & (1L << 21)) != 0, "CAP_SYS_ADMIN in the effective set");
                }
                case "fork_bomb" -> {
                    assertEquals(40, in.get(0).path("container.pids_limit").asLong());
                    assertTrue(count(in, e -> type(e, "clone") && e.path("evt.res").asLong() == -11) >= 300);
                }
                case "fork_storm" -> {
                    assertEquals(-1, in.get(0).path("container.pids_limit").asLong());
                    long clones = count(in, e -> type(e, "clone") && e.path("evt.res").asLong() > 0);
                    double secs = (a.lastRawtime() - a.firstRawtime()) / 1e9;
                    assertTrue(clones >= 3000 && clones / secs > 2000, clones + " clones in " + secs + " s");
                }
                case "packet_socket" -> assertTrue(in.stream().anyMatch(e -> type(e, "socket")
                    && e.path("evt.arg.domain").asLong() == 17 && e.path("evt.arg.type").asLong() == 3));
                case "raw_socket" -> assertTrue(in.stream().anyMatch(e -> type(e, "socket")
                    && e.path("evt.arg.domain").asLong() == 2 && (e.path("evt.arg.type").asLong() & 0xf) == 3));
                case "privileged_shell" -> assertTrue(in.stream().anyMatch(e -> type(e, "execve")
                    && e.path("container.privileged").asBoolean()
                    && e.path("thread.cap_effective").asText().equals("0x000001ffffffffff")
                    && Set.of("bash", "sh").contains(e.path("proc.name").asText())));
                default -> fail("unknown kind " + a.kind());
            }
        }
    }

    @Test
    void benignActivityNeverLooksLikeTheAttacks() {
        Set<String> attacked = new HashSet<>();
        result.attacks().forEach(a -> attacked.add(a.containerId()));
        Map<String, Integer> live = new HashMap<>();
        boolean hostPacketSocket = false;
        boolean hostSysAdmin = false;
        boolean ciBurst = false;
        Map<String, Long> ciClonesPerSecond = new HashMap<>();
        for (JsonNode e : events) {
            String c = e.path("container.id").asText();
            if (c.equals("host")) {
                hostPacketSocket |= type(e, "socket") && e.path("evt.arg.domain").asLong() == 17;
                hostSysAdmin |= type(e, "capable") && e.path("evt.arg.cap").asText().equals("CAP_SYS_ADMIN");
                continue;
            }
            if (attacked.contains(c)) {
                continue;
            }
            assertFalse(type(e, "clone") && e.path("evt.res").asLong() < 0, () -> "benign clone failed: " + e);
            assertFalse(type(e, "socket") && (e.path("evt.arg.type").asLong() & 0xf) == 3, () -> "benign raw socket: " + e);
            if (e.path("container.image.repository").asText().contains("ci-builder") && type(e, "clone")) {
                String key = c + "@" + e.path("evt.rawtime").asLong() / 1_000_000_000L;
                ciBurst |= ciClonesPerSecond.merge(key, 1L, Long::sum) >= 50;
            }
        }
        assertTrue(hostPacketSocket, "the host's tcpdump opens a packet socket");
        assertTrue(hostSysAdmin, "host daemons use CAP_SYS_ADMIN");
        assertTrue(ciBurst, "a CI build forks fast");
    }

    private Set<String> kinds() {
        Set<String> s = new HashSet<>();
        result.attacks().forEach(a -> s.add(a.kind()));
        return s;
    }

    private static boolean type(JsonNode e, String t) {
        return e.path("evt.type").asText().equals(t);
    }

    private static long count(List<JsonNode> in, java.util.function.Predicate<JsonNode> p) {
        return in.stream().filter(p).count();
    }
}
