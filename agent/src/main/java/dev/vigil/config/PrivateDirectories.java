package dev.vigil.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The agent's private directories (state, spool): created mode 0700; an existing one that someone
 * other than its owner may write is refused, since anyone who can write there can plant or swap
 * baselines and spooled alerts.
 */
public final class PrivateDirectories {
    private PrivateDirectories() {
    }

    /**
     * Creates {@code dir} (and missing parents) mode 0700, or checks the existing one.
     *
     * @return {@code dir}
     * @throws IOException with a message for the operator: not a directory, a symbolic link, or
     *                     writable by group or others
     */
    public static Path ensure(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("refusing private directory " + dir + ": it is a symbolic link");
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
            // Explicitly, not through createDirectories' attribute: the umask would mask that one.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            return dir;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("refusing private directory " + dir + ": it exists and is not a directory");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)) {
            throw new IOException("refusing private directory " + dir + ": mode "
                + PosixFilePermissions.toString(perms) + " lets others write to it; make it 0700 (chmod 700 "
                + dir + ")");
        }
        return dir;
    }
}
