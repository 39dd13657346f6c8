package dev.vigil.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The agent's private directories (state, spool): created mode 0700; an existing one that someone
 * other than its owner may write is refused, since anyone who can write there can plant or swap
 * baselines and spooled alerts. So is one owned by another user, and a symbolic link anywhere in the
 * last component. The files in them are opened through {@link #openFile} only: never through a
 * symbolic link ({@code O_NOFOLLOW}), and only a regular file of this process's user (or root, or the
 * directory's owner) that no one else may write (a link planted as {@code cursor} must not make the agent overwrite its target).
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
        checkOwner(dir, "private directory");
        return dir;
    }

    /**
     * Opens {@code file} never through a symbolic link, and only if it is a regular file owned by this
     * process's user (or root, or the directory's owner) that group and others cannot write; creates it (mode 0600) when {@code
     * options} hold CREATE. Nothing is read or written before the checks pass.
     *
     * @throws IOException naming the file and why it is refused (never its content)
     */
    public static FileChannel openFile(Path file, OpenOption... options) throws IOException {
        List<OpenOption> opts = new ArrayList<>(Arrays.asList(options));
        opts.add(LinkOption.NOFOLLOW_LINKS);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, Set.copyOf(opts),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileSystemException e) {
            if (Files.isSymbolicLink(file)) {
                throw new IOException("refusing " + file + ": it is a symbolic link", e);
            }
            throw e;
        }
        try {
            checkFile(file);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /**
     * Checks an existing file in a private directory without following a link: a regular file, owned
     * by this process's user, root or the directory's owner, not writable by group or others.
     */
    public static void checkFile(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            throw new IOException("refusing " + file + ": it is a symbolic link");
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("refusing " + file + ": not a regular file");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (perms.contains(PosixFilePermission.OTHERS_WRITE) || perms.contains(PosixFilePermission.GROUP_WRITE)) {
            throw new IOException("refusing " + file + ": mode " + PosixFilePermissions.toString(perms)
                + " lets others write to it");
        }
        checkOwner(file, "file");
    }

    /**
     * A directory: ours or root's (root may write anywhere anyway); as root, anyone's (the operator's
     * {@code vigil baselines} reading the agent's directory). A file: ours, root's, or its directory's
     * owner's (who controls what is in it anyway). Anyone else's was planted.
     */
    private static void checkOwner(Path p, String what) throws IOException {
        int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int me = effectiveUid();
        boolean ok = owner == me || owner == 0;
        if (what.equals("file")) {
            Path parent = p.toAbsolutePath().getParent();
            ok |= parent != null && owner == (Integer) Files.getAttribute(parent, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } else {
            ok |= me == 0;
        }
        if (!ok) {
            throw new IOException("refusing " + what + " " + p + ": owned by uid " + owner + ", neither this process's uid "
                + me + " nor root");
        }
    }

    /**
     * This process's effective uid, from {@code /proc/self/status} (its {@code Uid:} line: real,
     * effective, saved, fs). Not the owner of {@code /proc/self}: that is root once the process changed
     * its uid (it is then not dumpable).
     */
    public static int effectiveUid() throws IOException {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (NoSuchFileException e) {
            // no /proc: fall through
        }
        throw new IOException("cannot tell this process's uid: no Uid line in /proc/self/status");
    }
}
