package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerIdsTest {
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

    @org.junit.jupiter.api.Test
    void fromCgroupFileTakesTheFirstContainerLine() {
        String file = "12:pids:/docker/" + ID + "\n4:memory:/docker/" + ID + "\n0::/\n";
        assertEquals(SHORT, ContainerIds.fromCgroupFile(file));
        assertEquals("host", ContainerIds.fromCgroupFile("12:pids:/\n0::/\n"));
    }

    @org.junit.jupiter.api.Test
    void keyRoundTripsTheShortId() {
        long key = ContainerIds.key(ID);
        assertEquals(SHORT, ContainerIds.shortId(key));
        assertEquals(key, ContainerIds.key(SHORT));
        assertEquals(ContainerIds.HOST_KEY, ContainerIds.key("host"));
        assertEquals(ContainerIds.HOST_KEY, ContainerIds.key("not-a-hex-id"));
        assertEquals("000000000000", ContainerIds.shortId(0));
    }
}
