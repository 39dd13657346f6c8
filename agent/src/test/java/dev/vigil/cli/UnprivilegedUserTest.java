package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.config.PrivateDirectories;
import dev.vigil.config.ProcessConfig;
import dev.vigil.config.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** process.user resolved; the agent's directories handed over, and nothing else (issue 16, finding 6). */
class UnprivilegedUserTest {
    @TempDir
    Path tmp;

    private Path passwd(String... lines) throws IOException {
        return Files.writeString(tmp.resolve("passwd"), String.join("\n", lines) + "\n");
    }

    private static RuntimeConfig sockets(Path containerd) {
        return new RuntimeConfig(null, containerd.toString(), "/nonexistent/crio.sock", "/nonexistent/docker.sock",
            "/nonexistent/podman.sock", null, null, null);
    }

    private UnprivilegedUser resolve(String user, boolean groups, Path passwd) throws IOException {
        return UnprivilegedUser.resolve(new ProcessConfig(user, groups), sockets(tmp.resolve("none.sock")), passwd,
            LoggerFactory.getLogger(UnprivilegedUserTest.class));
    }

    @Test
    void theDefaultIsTheVigilUserElseNobody() throws IOException {
        UnprivilegedUser vigil = resolve(null, false, passwd("root:x:0:0::/root:/bin/sh", "vigil:x:998:997::/:/bin/false"));
        assertEquals(998, vigil.uid());
        assertEquals(997, vigil.gid());
        UnprivilegedUser nobody = resolve(null, false, passwd("root:x:0:0::/root:/bin/sh"));
        assertEquals(65534, nobody.uid());
        assertEquals(65534, nobody.gid());
        assertTrue(nobody.switches());
    }

    @Test
    void aNumericUidNeedsNoPasswdEntryAndRootStaysRoot() throws IOException {
        assertEquals(4242, resolve("4242", false, passwd("root:x:0:0::/root:/bin/sh")).gid());
        assertFalse(resolve("root", false, passwd("root:x:0:0::/root:/bin/sh")).switches());
        assertThrows(IOException.class, () -> resolve("nosuch", false, passwd("root:x:0:0::/root:/bin/sh")));
    }

    @Test
    void keepsTheGroupOfARuntimeSocketItsGroupMayWrite() throws IOException {
        Path sock = Files.createFile(tmp.resolve("containerd.sock"));
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw----"));
        int gid = (Integer) Files.getAttribute(sock, "unix:gid");
        UnprivilegedUser u = UnprivilegedUser.resolve(new ProcessConfig("4242", true), sockets(sock),
            passwd("root:x:0:0::/root:/bin/sh"), LoggerFactory.getLogger(UnprivilegedUserTest.class));
        assertArrayEquals(new int[] {gid}, u.groups());
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-r-----"));
        u = UnprivilegedUser.resolve(new ProcessConfig("4242", true), sockets(sock), passwd("root:x:0:0::/root:/bin/sh"),
            LoggerFactory.getLogger(UnprivilegedUserTest.class));
        assertArrayEquals(new int[0], u.groups(), "a group that may not write gets nothing");
    }

    @Test
    void handsOverItsDirectoriesNeverThroughALink() throws IOException {
        assumeTrue(PrivateDirectories.effectiveUid() == 0, "chown needs root");
        Path state = Files.createDirectories(tmp.resolve("state/baselines"));
        Files.setPosixFilePermissions(tmp.resolve("state"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(state.resolve("baselines.json"), "{}");
        Path outside = Files.writeString(tmp.resolve("passwd-like"), "x");
        Files.createSymbolicLink(tmp.resolve("state/link"), outside);
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("other"), "x");
        UnprivilegedUser u = new UnprivilegedUser("t", 4242, 4243, new int[0]);
        u.handOver(List.of(tmp.resolve("state")), shared.resolve("vigil.sock"));
        assertEquals(4242, (Integer) Files.getAttribute(tmp.resolve("state"), "unix:uid"));
        assertEquals(4242, (Integer) Files.getAttribute(state.resolve("baselines.json"), "unix:uid"));
        assertEquals(4243, (Integer) Files.getAttribute(state.resolve("baselines.json"), "unix:gid"));
        assertEquals(0, (Integer) Files.getAttribute(outside, "unix:uid"), "a link's target stays root's");
        assertEquals(0, (Integer) Files.getAttribute(shared, "unix:uid"), "a directory holding more than the socket");
        Path own = tmp.resolve("run/vigil");
        u.handOver(List.of(), own.resolve("vigil.sock"));
        assertEquals(4242, (Integer) Files.getAttribute(own, "unix:uid", LinkOption.NOFOLLOW_LINKS), "made now: its own");
    }

    @Test
    void saysWhichFileTheUserCouldNotReadAndWhy() throws IOException {
        // As a checkout in a 0700 home, or a config in a 0700 temporary directory, seen by uid 65534
        UnprivilegedUser nobody = new UnprivilegedUser("nobody", 65534, 65534, new int[] {4242});
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path config = Files.writeString(home.resolve("config.yaml"), "clusterName: x\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        String why = nobody.cannotRead(List.of(config));
        assertTrue(why != null && why.contains(home.toString()) && why.contains("not searchable"), String.valueOf(why));

        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(null, nobody.cannotRead(List.of(config, home, tmp.resolve("absent"))),
            "readable through world bits; a missing path is the agent's own error to give");

        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        why = nobody.cannotRead(List.of(config));
        assertTrue(why != null && why.contains("mode 0600"), String.valueOf(why));

        // readable through a supplementary group
        assumeTrue("root".equals(System.getProperty("user.name")), "chgrp to another group needs root");
        Files.setAttribute(config, "unix:gid", 4242);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(null, nobody.cannotRead(List.of(config)));
    }

    @Test
    void saysWhenTheUserCouldNotMakeTheSocket() throws IOException {
        // A socket beside the operator's config files (root's, 0755): uid 65534 could not bind it there
        UnprivilegedUser nobody = new UnprivilegedUser("nobody", 65534, 65534, new int[0]);
        Path shared = Files.createDirectories(tmp.resolve("etc-vigil"));
        Files.writeString(shared.resolve("config.yaml"), "clusterName: x\n");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        String why = nobody.cannotMakeSocket(shared.resolve("vigil.sock"));
        assertTrue(why != null && why.contains(shared.toString()) && why.contains("not writable"), String.valueOf(why));

        assertEquals(null, nobody.cannotMakeSocket(tmp.resolve("run/vigil/vigil.sock")), "made now: handed over");
        Path own = Files.createDirectories(tmp.resolve("own"));
        Files.writeString(own.resolve("vigil.sock"), ""); // a stale socket file, nothing else: handed over
        assertEquals(null, nobody.cannotMakeSocket(own.resolve("vigil.sock")));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(null, nobody.cannotMakeSocket(shared.resolve("vigil.sock")), "writable for all");
    }

    @Test
    void saysWhichAlertFileTheUserCouldNotWrite() throws IOException {
        UnprivilegedUser nobody = new UnprivilegedUser("nobody", 65534, 65534, new int[0]);
        Path logs = Files.createDirectories(tmp.resolve("log"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxr-xr-x"));
        String why = nobody.cannotWrite(List.of(logs.resolve("alerts.jsonl")));
        assertTrue(why != null && why.contains("not writable"), String.valueOf(why));
        Path existing = Files.writeString(logs.resolve("old.jsonl"), "");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-r--r--"));
        why = nobody.cannotWrite(List.of(existing));
        assertTrue(why != null && why.contains("mode 0644"), String.valueOf(why));
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(null, nobody.cannotWrite(List.of(existing, logs.resolve("new.jsonl"), tmp.resolve("none/a.jsonl"))));
    }
}
