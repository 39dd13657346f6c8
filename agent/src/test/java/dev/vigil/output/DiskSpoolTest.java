package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpoolTest {
    @TempDir
    Path tmp;

    private static byte[] rec(int i) {
        return ("record-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> drain(DiskSpool s) {
        List<String> out = new ArrayList<>();
        while (true) {
            List<byte[]> b = s.peek(7);
            if (b.isEmpty()) {
                return out;
            }
            for (byte[] r : b) {
                out.add(new String(r, StandardCharsets.UTF_8));
            }
            s.commit(b.size());
        }
    }

    @Test
    void deliversOldestFirstAcrossSegmentsAndDeletesReadSegments() throws IOException {
        Path dir = tmp.resolve("a/b/spool");
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 500; i++) {
                assertTrue(s.append(rec(i)));
            }
            assertEquals(500, s.records());
            assertTrue(segments(dir) > 3);
            List<String> got = drain(s);
            assertEquals(500, got.size());
            for (int i = 0; i < 500; i++) {
                assertEquals(new String(rec(i), StandardCharsets.UTF_8), got.get(i));
            }
            assertEquals(0, s.records());
            assertEquals(1, segments(dir));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("a"))));
    }

    @Test
    void survivesReopenWithCursor() throws IOException {
        Path dir = tmp.resolve("s");
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 100; i++) {
                s.append(rec(i));
            }
            s.commit(s.peek(40).size());
        }
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 4096)) {
            assertEquals(60, s.records());
            List<String> got = drain(s);
            assertEquals(new String(rec(40), StandardCharsets.UTF_8), got.get(0));
            assertEquals(60, got.size());
        }
    }

    @Test
    void skipsAndCountsTornTail() throws IOException {
        Path dir = tmp.resolve("torn");
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 1 << 20)) {
            for (int i = 0; i < 10; i++) {
                s.append(rec(i));
            }
        }
        Path seg = onlySegmentWithData(dir);
        // A crash in the middle of writing the 10th record: cut it short.
        long size = Files.size(seg);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(size - 5);
        }
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 1 << 20)) {
            assertEquals(9, s.records());
            assertEquals(1, s.corruptRecords());
            assertEquals(9, drain(s).size());
            s.append(rec(99));
            assertEquals(List.of(new String(rec(99), StandardCharsets.UTF_8)), drain(s));
        }
    }

    @Test
    void checksumCatchesFlippedByte() throws IOException {
        Path dir = tmp.resolve("flip");
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 1 << 20)) {
            for (int i = 0; i < 3; i++) {
                s.append(rec(i));
            }
        }
        Path seg = onlySegmentWithData(dir);
        byte[] all = Files.readAllBytes(seg);
        all[all.length - 2] ^= 0x40;
        Files.write(seg, all);
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 1 << 20)) {
            assertEquals(2, s.records());
            assertEquals(1, s.corruptRecords());
            assertEquals(2, drain(s).size());
        }
    }

    @Test
    void boundInBytesIsEnforced() throws IOException {
        Path dir = tmp.resolve("bound");
        try (DiskSpool s = new DiskSpool(dir, 64 * 1024, 8192)) {
            byte[] r = new byte[1000];
            int accepted = 0;
            while (s.append(r)) {
                accepted++;
            }
            assertEquals(64 * 1024 / 1008, accepted);
            assertTrue(s.diskBytes() <= 64 * 1024);
            assertFalse(s.append(r));
            // Reading whole segments frees their space.
            s.commit(s.peek(20).size());
            assertTrue(s.append(r));
        }
    }

    @Test
    void oneProcessPerDirectory() throws IOException {
        Path dir = tmp.resolve("locked");
        try (DiskSpool s = new DiskSpool(dir, 1 << 20, 4096)) {
            // flock is per open file description: a second open in this JVM is refused by the JVM.
            assertThrows(Exception.class, () -> new DiskSpool(dir, 1 << 20, 4096));
        }
    }

    @Test
    void recoversRecordsAfterRestartWithoutClose() throws IOException {
        Path dir = tmp.resolve("crash");
        DiskSpool s = new DiskSpool(dir, 1 << 20, 4096);
        for (int i = 0; i < 50; i++) {
            s.append(rec(i));
        }
        s.commit(s.peek(10).size());
        // Not closed: what kill -9 leaves (the writes are in the page cache); copy the directory as is.
        Path copy = tmp.resolve("copy");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().equals("lock")) {
                    Files.copy(p, copy.resolve(p.getFileName()));
                }
            }
        }
        s.close();
        try (DiskSpool r = new DiskSpool(copy, 1 << 20, 4096)) {
            List<String> got = drain(r);
            assertEquals(40, got.size());
            assertEquals(new String(rec(10), StandardCharsets.UTF_8), got.get(0));
        }
    }

    private static long segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).count();
        }
    }

    private static Path onlySegmentWithData(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).filter(p -> p.toFile().length() > 0)
                .findFirst().orElseThrow();
        }
    }

    @Test
    void readsBackExactBytes() throws IOException {
        try (DiskSpool s = new DiskSpool(tmp.resolve("bytes"), 1 << 20, 4096)) {
            byte[] r = new byte[3000];
            for (int i = 0; i < r.length; i++) {
                r[i] = (byte) i;
            }
            s.append(r);
            assertArrayEquals(r, s.peek(1).get(0));
        }
    }

    /**
     * Issue 16, finding 5: a symbolic link planted as the spool's {@code cursor} or {@code lock} made the
     * agent overwrite its target's first bytes. Now the spool refuses to open, and the target keeps its bytes.
     */
    @Test
    void refusesASymlinkedCursorOrLockAndLeavesItsTargetUntouched() throws IOException {
        for (String name : List.of("cursor", "lock")) {
            Path dir = tmp.resolve("link-" + name);
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Path victim = tmp.resolve("victim-" + name);
            byte[] original = "root:x:0:0:root:/root:/bin/bash\n".repeat(4).getBytes(StandardCharsets.UTF_8);
            Files.write(victim, original);
            Files.createSymbolicLink(dir.resolve(name), victim);
            IOException refused = null;
            try (DiskSpool s = new DiskSpool(dir, 1 << 20, 4096)) {
                s.append(rec(1));
                drain(s);
                s.sync();
            } catch (IOException e) {
                refused = e;
            }
            assertArrayEquals(original, Files.readAllBytes(victim), name + ": the link's target must keep its bytes");
            assertTrue(refused != null && refused.getMessage().contains("symbolic link"),
                name + ": the spool must refuse a symlinked " + name + ", got " + refused);
            assertTrue(Files.isSymbolicLink(dir.resolve(name)));
        }
    }

    @Test
    void refusesACursorOthersCanWrite() throws IOException {
        Path dir = tmp.resolve("open-cursor");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path cursor = Files.createFile(dir.resolve("cursor"));
        Files.setPosixFilePermissions(cursor, PosixFilePermissions.fromString("rw-rw-rw-"));
        IOException e = assertThrows(IOException.class, () -> new DiskSpool(dir, 1 << 20, 4096).close());
        assertTrue(e.getMessage().contains("lets others write"), e.getMessage());
    }
}
