package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SensorAttachmentTest {
    private final SensorAttachment a = new SensorAttachment(4242);

    @Test
    void startedOnlyOnceTheSensorRunsAndNamesWhatAttached() {
        assertNull(a.onLine("vigil-sensor: waiting for the agent on /run/vigil/vigil.sock"));
        assertNull(a.onLine("vigil-sensor: connected to /run/vigil/vigil.sock"));
        assertNull(a.onLine("vigil-sensor: attached raw_tp/sys_enter"));
        assertNull(a.onLine("vigil-sensor: attached fexit/cap_capable"));

        assertEquals("started the sensor (pid 4242), attached: raw_tp/sys_enter, fexit/cap_capable",
            a.onLine("vigil-sensor: running, 2 programs attached"));
    }

    @Test
    void anExitBeforeRunningIsNotStartedWithTheLastThreeLines() {
        a.onLine("vigil-sensor: waiting for the agent on /run/vigil/vigil.sock");
        a.onLine("vigil-sensor: connected to /run/vigil/vigil.sock");
        a.onLine("libbpf: failed to load");
        a.onLine("");
        a.onLine("vigil-sensor: cannot load the BPF programs: Operation not permitted");

        assertEquals("sensor not started: it exited before attaching (pid 4242: vigil-sensor: connected to "
            + "/run/vigil/vigil.sock | libbpf: failed to load | vigil-sensor: cannot load the BPF programs: "
            + "Operation not permitted)", a.onExit());
    }

    @Test
    void anExitWithoutOutputSaysSo() {
        assertEquals("sensor not started: it exited before attaching (pid 4242, no output)", a.onExit());
    }
}
