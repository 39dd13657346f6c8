package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.testing.FakeProcRoot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsStatusCgroupAndCmdline() {
        FakeProcRoot fake = new FakeProcRoot(tmp)
            .process(4242, 4000, "nginx", 0xa80425fbL, "/docker/" + FakeProcRoot.DOCKER_ID_A,
                "/usr/sbin/nginx", "-g", "daemon off;");
        ProcReader reader = new ProcReader(fake.procRoot(), fake.cgroupRoot());
        assertEquals(ProcReader.Result.OK, reader.read(4242));
        ProcSnapshot s = reader.snapshot();
        assertEquals("nginx", s.name);
        assertEquals(4000, s.ppid);
        assertEquals(0, s.uid);
        assertEquals(0xa80425fbL, s.capEffective);
        assertEquals(0xa80425fbL, s.capPermitted);
        assertEquals(0, s.capInheritable);
        assertEquals("nginx -g daemon off;", s.cmdline);
        assertEquals("/usr/sbin/nginx", s.exepath); // no exe link in the fake: argv[0]
        assertEquals("3f1c0a9e2b7d", s.containerId);
        assertEquals(tmp.resolve("cgroup/pids/docker/" + FakeProcRoot.DOCKER_ID_A).toString(), s.pidsCgroupDir);
    }

    @Test
    void reportsAVanishedProcess() {
        FakeProcRoot fake = new FakeProcRoot(tmp);
        assertEquals(ProcReader.Result.VANISHED, new ProcReader(fake.procRoot(), fake.cgroupRoot()).read(99));
    }

    @Test
    void v2OnlyCgroupFileGivesTheUnifiedDirectory() {
        ProcReader reader = new ProcReader("/proc", "/sys/fs/cgroup");
        ProcSnapshot s = new ProcSnapshot();
        s.clear();
        reader.parseCgroup("0::/system.slice/docker-" + FakeProcRoot.DOCKER_ID_B + ".scope\n", s);
        assertEquals("9b2e4c6a8d0f", s.containerId);
        assertEquals("/sys/fs/cgroup/system.slice/docker-" + FakeProcRoot.DOCKER_ID_B + ".scope", s.pidsCgroupDir);
    }

    @Test
    void pidsMaxAndEvents() {
        String path = "/docker/" + FakeProcRoot.DOCKER_ID_A;
        FakeProcRoot fake = new FakeProcRoot(tmp).pidsMax(path, "40").pidsEvents(path, 7);
        String dir = tmp.resolve("cgroup/pids" + path).toString();
        assertEquals(40, ProcReader.readPidsMax(dir));
        assertEquals(7, ProcReader.readPidsEventsMax(dir));
        fake.pidsMax(path, "max");
        assertEquals(ProcReader.NO_LIMIT, ProcReader.readPidsMax(dir));
        assertEquals(ProcReader.LIMIT_UNKNOWN, ProcReader.readPidsMax(tmp.resolve("nope").toString()));
        assertEquals(-1, ProcReader.readPidsEventsMax(tmp.resolve("nope").toString()));
    }

    @Test
    void fullSetFromCapLastCap() {
        FakeProcRoot fake = new FakeProcRoot(tmp);
        assertEquals(0x1ffffffffffL, new ProcReader(fake.procRoot(), fake.cgroupRoot()).fullCapabilitySet(0));
    }
}
