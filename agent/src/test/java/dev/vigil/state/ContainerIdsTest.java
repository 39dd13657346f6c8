package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.RuntimeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerIdsTest {
    private static final String TABLE = "docs/cgroup-layouts.tsv";

    private static final String ID = "3f1c0a9e2b7d4c6e8a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071";
    private static final String SHORT = "3f1c0a9e2b7d";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // Docker, cgroupfs driver, v1 and v2
        "12:pids:/docker/" + ID + "|" + SHORT,
        "4:memory:/docker/" + ID + "|" + SHORT,
        "0::/docker/" + ID + "|" + SHORT,
        "11:cpu,cpuacct:/docker/" + ID + "|" + SHORT,
        // Docker, systemd driver
        "1:name=systemd:/system.slice/docker-" + ID + ".scope|" + SHORT,
        "0::/system.slice/docker-" + ID + ".scope|" + SHORT,
        // containerd / CRI, cgroupfs and systemd drivers
        "8:pids:/kubepods/burstable/pod6a4f2e1c-5b7d-4e8a-9c0b-1d2e3f4a5b6c/" + ID + "|" + SHORT,
        "0::/kubepods/besteffort/pod6a4f2e1c-5b7d-4e8a-9c0b-1d2e3f4a5b6c/" + ID + "|" + SHORT,
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6a4f2e1c_5b7d_4e8a_9c0b_1d2e3f4a5b6c.slice/cri-containerd-" + ID + ".scope|" + SHORT,
        "0::/system.slice/containerd.service/kubepods-besteffort-pod6a4f.slice:cri-containerd:" + ID + "|" + SHORT,
        // CRI-O
        "0::/kubepods.slice/kubepods-pod6a4f2e1c_5b7d.slice/crio-" + ID + ".scope|" + SHORT,
        "6:pids:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/crio-" + ID + ".scope|" + SHORT,
        // Podman
        "0::/machine.slice/libpod-" + ID + ".scope|" + SHORT,
        "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope/container|" + SHORT,
        "1:name=systemd:/libpod_parent/libpod-" + ID + "|" + SHORT,
        // upper-case hex is lowered; trailing newline ignored
        "0::/docker/" + "3F1C0A9E2B7D4C6E8A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F6071" + "|" + SHORT,
        // not containers
        "0::/|host",
        "0::/init.scope|host",
        "12:pids:/user.slice/user-0.slice/session-3.scope|host",
        "0::/system.slice/docker.service|host",
        "0::/machine.slice/libpod-conmon-" + ID + ".scope|host",
        "0::/docker/3f1c0a9e2b7d|host",
        "0::/kubepods/burstable/pod6a4f2e1c-5b7d-4e8a-9c0b-1d2e3f4a5b6c|host",
        "4:memory:/process_api/2ef4d2846da378484b0f2463bf031bfb|host",
    })
    void shortIdFromCgroupLine(String line, String expected) {
        assertEquals(expected, ContainerIds.fromCgroupLine(line));
    }

    /** The repository's docs/cgroup-layouts.tsv, found from the working directory (the module's) upwards. */
    static Path layoutTable() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(TABLE);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException(TABLE + " not found above " + Path.of("").toAbsolutePath());
    }

    /** Rows of the table: {path, expected short id, note, line number}. */
    static List<String[]> layoutRows() throws IOException {
        List<String[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(layoutTable(), StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 3) {
                throw new IllegalStateException(TABLE + ":" + (i + 1) + ": not 3 tab-separated columns");
            }
            rows.add(new String[] {f[0], f[1], f[2], Integer.toString(i + 1)});
        }
        return rows;
    }

    /** Every row of the case table the sensor's format_test checks too: bare, as a v1 line, as a v2 line. */
    @TestFactory
    Stream<DynamicTest> everyLayoutOfTheSharedTable() throws IOException {
        List<String[]> rows = layoutRows();
        assertTrue(rows.size() >= 40, "only " + rows.size() + " rows in " + TABLE);
        return rows.stream().map(r -> DynamicTest.dynamicTest(r[3] + ": " + r[0] + " -> " + r[1], () -> {
            String path = r[0];
            String want = r[1];
            for (String line : List.of(path, "8:pids:" + path, "0::" + path, "0::" + path + "\n")) {
                assertEquals(want, ContainerIds.fromCgroupLine(line), line + " (" + r[2] + ")");
                char[] a = ("x" + line + "y").toCharArray(); // a range inside a larger buffer
                long key = ContainerIds.keyOfCgroupLine(a, 1, a.length - 2, RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
                assertEquals(want.equals("host") ? ContainerIds.HOST_KEY : ContainerIds.key(want), key, line);
                assertEquals(want.equals("host"), ContainerIds.idStart(a, 1, a.length - 2) < 0, line);
            }
            assertEquals(want, ContainerIds.fromCgroupFile("12:memory:/\n8:pids:" + path + "\n0::/\n"));
        }));
    }

    @Test
    void containerdNamespacesAreConfigurable() {
        assertEquals("t1", ContainerIds.fromCgroupLine("0::/web/t1", List.of("web")));
        assertEquals("host", ContainerIds.fromCgroupLine("0::/k8s.io/t1", List.of("web")));
        assertEquals("host", ContainerIds.fromCgroupLine("0::/k8s.io/t1", List.of()));
        assertEquals("t1", ContainerIds.fromCgroupFile("8:pids:/web/t1/x\n", List.of("web")));
        // a 64-hex id needs no namespace
        assertEquals(SHORT, ContainerIds.fromCgroupLine("0::/anything/" + ID, List.of()));
    }

    @Test
    void locateGivesTheWholeId() {
        char[] a = "8:pids:/default/a-very-long-container-name/sub".toCharArray();
        long found = ContainerIds.locate(a, 0, a.length, RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
        assertEquals("a-very-long-container-name", new String(a, (int) (found >>> 32), (int) found));
        a = ("0::/docker/" + ID + "/sub").toCharArray();
        found = ContainerIds.locate(a, 0, a.length, RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
        assertEquals(ID, new String(a, (int) (found >>> 32), (int) found));
    }

    @Test
    void oddInputNeverThrowsNorNamesAContainer() {
        StringBuilder sb = new StringBuilder();
        for (char c = 0; c < 512; c++) {
            String run = String.valueOf(c).repeat(1000);
            assertEquals("host", ContainerIds.fromCgroupLine(run), "1000 x " + (int) c);
            assertEquals("host", ContainerIds.fromCgroupLine("0::" + run), "0:: + 1000 x " + (int) c);
            sb.append(c);
        }
        assertEquals("host", ContainerIds.fromCgroupLine(sb.toString()));
        for (String odd : List.of("", ":", "::", "0::", "0::/", "///", "/k8s.io//", ":cri-containerd:" + ID,
            "/default/" + "a".repeat(77), "/default/x\u00e9", "/" + "b".repeat(100_000))) {
            assertEquals("host", ContainerIds.fromCgroupLine(odd), odd.length() > 80 ? odd.substring(0, 80) : odd);
        }
        assertEquals("a22222222222", ContainerIds.fromCgroupLine("/default/a" + "2".repeat(75))); // 76: the longest name
        assertEquals("host", ContainerIds.fromCgroupLine("/default/a" + "2".repeat(76)));       // 77
        assertEquals("a", ContainerIds.fromCgroupLine("/default/a/" + "b".repeat(100_000))); // a long sub-cgroup
    }

    @Test
    void namedKeysAreStableDistinctAndMarked() {
        long t1 = ContainerIds.key("t1");
        assertTrue(ContainerIds.isNamed(t1));
        assertTrue(t1 >= 0);
        assertEquals(ContainerIds.NAMED_KEY_BIT, t1 & ~((1L << 47) - 1), "bit 48 and 47 hash bits only");
        assertEquals(t1, ContainerIds.key("t1".toCharArray(), 0, 2));
        assertEquals(t1, ContainerIds.key(new String("t1")));
        char[] buf = "xxt1yy".toCharArray();
        assertEquals(t1, ContainerIds.key(buf, 2, 2));
        // a name's key is its short id's: the first 12 chars
        assertEquals(ContainerIds.key("a-very-long-"), ContainerIds.key("a-very-long-container-name"));
        assertNotEquals(ContainerIds.key("t2"), t1);
        assertNotEquals(ContainerIds.key("T1"), t1, "names are case-sensitive");
        assertNotEquals(ContainerIds.key("a-very-long-"), ContainerIds.key("a-very-long"));
        // never a hex key: hex keys stay below bit 48, even the largest
        long maxHex = ContainerIds.key("ffffffffffff");
        assertFalse(ContainerIds.isNamed(maxHex));
        assertEquals((1L << 48) - 1, maxHex);
        assertFalse(ContainerIds.isNamed(ContainerIds.key(ID)));
        assertFalse(ContainerIds.isNamed(ContainerIds.HOST_KEY));
        // 12 hex chars at the start make a hex key, in either case
        assertEquals(ContainerIds.key("abcdef012345"), ContainerIds.key("ABCDEF012345xyz"));
        // a short hex text is a name
        assertTrue(ContainerIds.isNamed(ContainerIds.key("abc123")));
        // distinct over many names (a 47-bit hash: a collision here would be a bug)
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            long k = ContainerIds.key("web-" + i);
            assertTrue(ContainerIds.isNamed(k));
            assertTrue(seen.add(k), "web-" + i);
        }
    }

    @Test
    void anIdsUtf8BytesGiveTheSameKeyAsItsChars() {
        // the wire's container.id reaches the key as the event's UTF-8 text; a runtime's id as chars
        for (String id : List.of(ID, SHORT, "ABCDEF012345xyz", "t1", "vigil-t1", "a-very-long-container-name",
                "host", "", "not a hex id", "caf\u00e9", "\u00e9abcdef012345", "abc.def_g-h", "hostname")) {
            byte[] b = ("##" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(ContainerIds.key(id), ContainerIds.key(b, 2, b.length - 2), id);
        }
    }

    @Test
    void aNamedKeyCannotBeWrittenBack() {
        long k = ContainerIds.key("vigil-t1");
        char[] out = "............".toCharArray();
        assertFalse(ContainerIds.writeShortId(k, out, 0));
        assertEquals("............", new String(out), "nothing written");
        assertFalse(ContainerIds.writeShortId(ContainerIds.HOST_KEY, out, 0));
        assertThrows(IllegalArgumentException.class, () -> ContainerIds.shortId(k));
        assertTrue(ContainerIds.writeShortId(ContainerIds.key(ID), out, 0));
        assertEquals(SHORT, new String(out));
    }

    @Test
    void fromCgroupFileTakesTheFirstContainerLine() {
        String file = "12:pids:/docker/" + ID + "\n4:memory:/docker/" + ID + "\n0::/\n";
        assertEquals(SHORT, ContainerIds.fromCgroupFile(file));
        assertEquals("host", ContainerIds.fromCgroupFile("12:pids:/\n0::/\n"));
    }

    @Test
    void keyRoundTripsTheShortId() {
        long key = ContainerIds.key(ID);
        assertEquals(SHORT, ContainerIds.shortId(key));
        assertEquals(key, ContainerIds.key(SHORT));
        assertEquals(ContainerIds.HOST_KEY, ContainerIds.key("host"));
        assertEquals(ContainerIds.HOST_KEY, ContainerIds.key("not a hex id")); // no id at all (a name has no space)
        assertEquals(ContainerIds.HOST_KEY, ContainerIds.key(""));
        assertEquals("000000000000", ContainerIds.shortId(0));
    }

    @Test
    void aHexDigitIsAnAsciiDigitOrLetterAToFInEitherCaseAndNothingElse() {
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            boolean ascii = c < 128;
            int expected = ascii ? Character.digit(c, 16) : -1; // Character.digit also takes Unicode digits: not ids
            assertEquals(expected, ContainerIds.hexDigit((char) c), "char " + c);
        }
    }
}
