package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sensor's stop pipe: its reader sees the end when the agent's write end closes (issue 16, finding 6). */
class SensorStopPipeTest {
    @Test
    @Timeout(60) // a write end left open would block the read below for ever
    void theReaderSeesTheEndOnceTheWriteEndCloses() throws Exception {
        SensorStopPipe pipe = SensorStopPipe.open();
        try (InputStream sensorStdin = new FileInputStream(pipe.readEnd())) { // as ProcessBuilder opens it
            pipe.closeReadEnd();
            pipe.close();
            assertEquals(-1, sensorStdin.read(), "end of file");
        }
    }

    @Test
    void adoptsOnlyAPipesWriteEnd() throws Exception {
        SensorStopPipe pipe = SensorStopPipe.open();
        try {
            String fd = Integer.toString(pipe.writeFd());
            SensorStopPipe adopted = SensorStopPipe.adopt(fd);
            assertNotNull(adopted, "the write end handed over");
            assertEquals(pipe.writeFd(), adopted.writeFd());
            assertTrue(Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                .anyMatch(l -> l.startsWith("flags:") && (Integer.parseInt(l.substring(6).trim(), 8) & 02000000) != 0),
                "close-on-exec again once adopted");
            String readEnd = pipe.readEnd().getName();
            assertNull(SensorStopPipe.adopt(readEnd), "a read end is not the stop");
        } finally {
            pipe.close();
        }
        assertNull(SensorStopPipe.adopt(null));
        assertNull(SensorStopPipe.adopt("-1"));
        assertNull(SensorStopPipe.adopt("99999"), "not open");
        assertNull(SensorStopPipe.adopt("3; rm"));
    }

    @Test
    void readsTheAccessModeFromFdinfo() {
        assertTrue(SensorStopPipe.writeOnly(List.of("pos:\t0", "flags:\t02000001", "mnt_id:\t14")));
        assertFalse(SensorStopPipe.writeOnly(List.of("pos:\t0", "flags:\t02000000")));
        assertFalse(SensorStopPipe.writeOnly(List.of("flags:\t02")), "read-write");
        assertFalse(SensorStopPipe.writeOnly(List.of("pos:\t0")));
    }
}
