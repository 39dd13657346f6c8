package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateDirectoriesTest {
    @TempDir
    Path tmp;

    @Test
    void createsAMissingDirectoryMode0700() throws IOException {
        Path d = PrivateDirectories.ensure(tmp.resolve("a/b/state"));
        assertTrue(Files.isDirectory(d));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    }

    @Test
    void acceptsAnExistingPrivateDirectory() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("ok"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-x---"));
        assertEquals(d, PrivateDirectories.ensure(d));
    }

    @Test
    void refusesADirectoryOthersCanWrite() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> PrivateDirectories.ensure(d));
        assertTrue(e.getMessage().contains("lets others write"), e.getMessage());
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwx---"));
        assertThrows(IOException.class, () -> PrivateDirectories.ensure(d), "group-writable too");
    }

    @Test
    void refusesAFileAndASymlink() throws IOException {
        Path f = Files.createFile(tmp.resolve("file"));
        assertThrows(IOException.class, () -> PrivateDirectories.ensure(f));
        Path target = Files.createDirectory(tmp.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        assertThrows(IOException.class, () -> PrivateDirectories.ensure(link));
    }

    @Test
    void opensAFileNeverThroughASymlink() throws IOException {
        Path d = PrivateDirectories.ensure(tmp.resolve("state"));
        Path target = Files.writeString(tmp.resolve("target"), "keep");
        Files.createSymbolicLink(d.resolve("cursor"), target);
        IOException e = assertThrows(IOException.class, () -> PrivateDirectories.openFile(d.resolve("cursor"),
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE).close());
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals("keep", Files.readString(target));
    }

    @Test
    void createsAFileMode0600AndRefusesOneOfAnotherUser() throws IOException {
        Path d = PrivateDirectories.ensure(tmp.resolve("state"));
        PrivateDirectories.openFile(d.resolve("lock"), java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.WRITE).close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve("lock"))));
        org.junit.jupiter.api.Assumptions.assumeTrue(PrivateDirectories.effectiveUid() == 0, "chown needs root");
        Path planted = Files.createFile(d.resolve("planted"));
        Files.setAttribute(planted, "unix:uid", 12345);
        IOException e = assertThrows(IOException.class, () -> PrivateDirectories.checkFile(planted));
        assertTrue(e.getMessage().contains("owned by uid 12345"), e.getMessage());
    }
}
