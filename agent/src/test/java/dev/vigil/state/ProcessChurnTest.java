package dev.vigil.state;

import static dev.vigil.testing.TestEvents.thin;
import static dev.vigil.testing.TestEvents.withRes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Event;
import dev.vigil.testing.FakeProcRoot;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten million short-lived processes (clone + procexit pairs) through the enricher leave the process
 * table at its seed size and the heap flat.
 */
class ProcessChurnTest {
    private static final int PAIRS = 10_000_000;

    @TempDir
    Path tmp;

    @Test
    void tenMillionShortLivedProcessesLeaveTheTableAtTheLiveSet() {
        String path = "/docker/" + FakeProcRoot.DOCKER_ID_A;
        FakeProcRoot fake = new FakeProcRoot(tmp)
            .process(1, 0, "systemd", 0x1ffffffffffL, "/", "/sbin/init")
            .process(100, 1, "containerd-shim", 0x1ffffffffffL, "/", "containerd-shim")
            .process(200, 100, "make", 0xa80425fbL, path, "make", "-j8")
            .pidsMax(path, "max");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StateEnricher state = new StateEnricher(
            new StateConfig(fake.procRoot(), fake.cgroupRoot(), tmp.toString(), StateConfig.DEFAULT_MAX_PROCESSES),
            registry, new MockClock());
        int seeded = state.seedFromProc();
        assertEquals(3, seeded);

        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Event clone = new Event();
        Event exit = new Event();
        churn(state, clone, exit, 100_000); // warm-up
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        long start = System.nanoTime();
        churn(state, clone, exit, PAIRS);
        long elapsed = System.nanoTime() - start;
        System.gc();
        long heapAfter = memory.getHeapMemoryUsage().getUsed();

        assertEquals(seeded, state.processCount());
        assertEquals(seeded, (int) registry.get("vigil.state.processes").gauge().value());
        assertEquals(0.0, registry.get("vigil.state.processes.evicted").counter().count());
        System.out.printf("ProcessChurnTest: %,d clone+procexit pairs in %.2f s (%.0f k events/s); "
                + "table %d entries; heap after GC %.1f MB before, %.1f MB after%n",
            PAIRS, elapsed / 1e9, PAIRS * 2 / (elapsed / 1e6), state.processCount(),
            heapBefore / 1e6, heapAfter / 1e6);
        assertTrue(heapAfter < heapBefore + 16_000_000L, "heap grew from " + heapBefore + " to " + heapAfter);
    }

    private static void churn(StateEnricher state, Event clone, Event exit, int pairs) {
        for (int i = 0; i < pairs; i++) {
            // pids cycle through pid_max's default range, as the kernel reuses them
            int child = 300 + (i % 4_000_000);
            withRes(thin(clone, "clone", 200), child);
            state.enrich(clone);
            thin(exit, "procexit", child);
            state.enrich(exit);
        }
    }
}
