package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

class AgentCpuTest {
    @Test
    void addsUserAndSystemTimeWhateverTheCommandHolds() {
        // a command named ") 9 9 (" must not shift the fields (it is the process's to choose)
        String line = "4242 (java) 9 9 () S 1 4242 4242 0 -1 4194560 1234 0 5 0 731 205 0 0 20 0 40 0 123456 "
            + "1556924416 44107 18446744073709551615 1 1 0 0 0 0 0 2 16800972 0 0 0 17 1 0 0 0 0 0";
        assertEquals(731 + 205, AgentCpu.utimePlusStime(line));
    }

    @Test
    void readsThisProcessesOwnTimeGrowingWithWork() {
        AgentCpu cpu = new AgentCpu(ProcessHandle.current().pid(), 100);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long from = threads.getCurrentThreadCpuTime();
        long x = 0;
        while (threads.getCurrentThreadCpuTime() - from < 200_000_000L) { // 0.2 s of this thread's CPU
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
        double used = cpu.secondsSinceStart();
        assertTrue(used >= 0.19, used + " CPU seconds after this thread alone spent 0.2 (x=" + x + ")");
    }
}
