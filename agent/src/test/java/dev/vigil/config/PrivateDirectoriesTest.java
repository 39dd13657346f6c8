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
}
