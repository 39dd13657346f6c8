package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChurnStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> parse(ByteBuffer buf) throws Exception {
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        var out = new java.util.ArrayList<JsonNode>();
        for (String line : text.split("\n")) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void everyFreshProcessIsClonedExecsProbesTwiceAndExits() throws Exception {
        EventBlock block = EventBlock.churny(10_000, 7);
        ByteBuffer buf = ByteBuffer.allocate((int) block.bytes());
        block.copy(0, block.lines(), 0, false, 0, buf);
        List<JsonNode> lines = parse(buf);
        Map<Long, StringBuilder> lives = new HashMap<>();
        int capable = 0;
        for (JsonNode n : lines) {
            String type = n.get("evt.type").asText();
            long child = type.equals("clone") ? n.get("evt.res").asLong() : n.get("proc.pid").asLong();
            lives.computeIfAbsent(child, k -> new StringBuilder()).append(type).append(' ');
            capable += type.equals("capable") ? 1 : 0;
            assertTrue(n.has("k8s.pod.name") && n.has("container.name") && n.has("container.id"), n.toString());
        }
        assertEquals(block.freshPids(), lives.size());
        lives.values().forEach(l -> assertEquals("clone execve capable capable procexit ", l.toString()));
        assertEquals(0.4, (double) capable / lines.size(), 1e-9);
        double bytesPerLine = (double) block.bytes() / block.lines();
        assertTrue(bytesPerLine > 300 && bytesPerLine < 400, "B/line " + bytesPerLine);
    }

    @Test
    void aPidShiftMakesEveryFreshPidNewAndKeepsEverythingElse() throws Exception {
        EventBlock block = EventBlock.churny(1_000, 3);
        ByteBuffer a = ByteBuffer.allocate((int) block.bytes());
        ByteBuffer b = ByteBuffer.allocate((int) block.bytes());
        block.copy(0, block.lines(), 0, false, 0, a);
        block.copy(0, block.lines(), 0, false, block.freshPids(), b);
        List<JsonNode> first = parse(a);
        List<JsonNode> second = parse(b);
        Set<Long> firstPids = new HashSet<>();
        first.forEach(n -> firstPids.add(n.get("proc.pid").asLong()));
        for (int i = 0; i < first.size(); i++) {
            JsonNode x = first.get(i);
            JsonNode y = second.get(i);
            boolean clone = x.get("evt.type").asText().equals("clone");
            String moved = clone ? "evt.res" : "proc.pid";
            assertEquals(x.get(moved).asLong() + block.freshPids(), y.get(moved).asLong());
            assertTrue(!firstPids.contains(y.get(moved).asLong()) || clone, y.toString());
            ((com.fasterxml.jackson.databind.node.ObjectNode) x).remove(moved);
            ((com.fasterxml.jackson.databind.node.ObjectNode) y).remove(moved);
            assertEquals(x, y);
        }
    }

    @Test
    void theSameSeedGivesTheSameBytes() {
        ChurnStream.Result a = ChurnStream.generate(2_000, 11);
        ChurnStream.Result b = ChurnStream.generate(2_000, 11);
        assertArrayEquals(a.bytes(), b.bytes());
    }
}
