package dev.vigil.cli;

import dev.vigil.config.ProcessConfig;
import dev.vigil.config.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * The user an agent started as root becomes after starting the sensor ({@code process.user}; issue
 * 16, finding 6): its uid and gid, and the supplementary groups it keeps (the runtime sockets'
 * groups, for container identity). {@link #handOver} gives it the agent's own directories before the
 * switch, and nothing else.
 *
 * @param uid    0 means: stay root (process.user root or 0)
 * @param groups supplementary groups, without {@code gid}
 */
record UnprivilegedUser(String name, int uid, int gid, int[] groups) {
    /**
     * Resolves {@code process.user} through {@code passwd} ({@code /etc/passwd}) and the runtime
     * sockets' groups.
     */
    static UnprivilegedUser resolve(ProcessConfig config, RuntimeConfig runtime, Path passwd, Logger log)
        throws IOException {
        String user = config.user();
        String name = user;
        int uid = -1;
        int gid = -1;
        boolean numeric = user.chars().allMatch(Character::isDigit);
        for (String line : readLines(passwd)) {
            String[] f = line.split(":", -1);
            if (f.length < 4) {
                continue;
            }
            if (numeric ? f[2].equals(user) : f[0].equals(user)) {
                name = f[0];
                uid = Integer.parseInt(f[2]);
                gid = Integer.parseInt(f[3]);
                break;
            }
        }
        if (uid < 0 && numeric) {
            uid = Integer.parseInt(user);
            gid = uid;
        } else if (uid < 0 && user.equals(ProcessConfig.DEFAULT_USER)) {
            uid = ProcessConfig.NOBODY;
            gid = ProcessConfig.NOBODY;
            name = "uid " + uid;
        } else if (uid < 0) {
            throw new IOException("process.user: no user '" + user + "' in " + passwd);
        }
        TreeSet<Integer> groups = new TreeSet<>();
        if (config.runtimeSocketGroups() && uid != 0) {
            for (String s : List.of(runtime.containerdSocket(), runtime.crioSocket(), runtime.dockerSocket(),
                runtime.podmanSocket())) {
                Path p = Path.of(s);
                try {
                    int mode = (Integer) Files.getAttribute(p, "unix:mode");
                    int group = (Integer) Files.getAttribute(p, "unix:gid");
                    if ((mode & 0060) == 0060 && group != gid) {
                        groups.add(group);
                        if (group == 0) {
                            log.warn("keeping group 0 for {} ({} is root:root, group read-write): files of group root "
                                + "with group write stay writable; give the runtime socket a group of its own "
                                + "(deploy/README.md, \"Container identity\")", name, p);
                        }
                    }
                } catch (NoSuchFileException e) {
                    // that runtime is not on this node
                } catch (IOException | UnsupportedOperationException e) {
                    log.warn("cannot stat runtime socket {}: {}", p, e.toString());
                }
            }
        }
        return new UnprivilegedUser(name, uid, gid, groups.stream().mapToInt(Integer::intValue).toArray());
    }

    private static List<String> readLines(Path p) throws IOException {
        try {
            return Files.readAllLines(p);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** Staying uid 0 (no switch). */
    static UnprivilegedUser root() {
        return new UnprivilegedUser("root", 0, 0, new int[0]);
    }

    /**
     * The first of {@code paths} this user could not read (a file: read; a directory: read and search;
     * every directory on the way: search), with why; null when it can read them all. Follows links, as
     * the agent's reads do. A path that does not exist is left to the agent's own error.
     */
    String cannotRead(List<Path> paths) {
        for (Path p : paths) {
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                continue;
            }
            Path dir = real.getParent();
            List<Path> ancestors = new ArrayList<>();
            for (Path d = dir; d != null; d = d.getParent()) {
                ancestors.add(0, d);
            }
            try {
                for (Path d : ancestors) {
                    if (!allowed(d, 01)) {
                        return real + " (the directory " + d + " " + describe(d) + " is not searchable for it)";
                    }
                }
                boolean isDir = Files.isDirectory(real);
                if (!allowed(real, isDir ? 05 : 04)) {
                    return real + " (" + describe(real) + ")";
                }
            } catch (IOException e) {
                return real + " (" + e.getMessage() + ")";
            }
        }
        return null;
    }

    /**
     * The first of {@code files} this user could not write by its mode (an existing file: write; a file
     * still to be made: write and search on its directory), with why; null when it can write them all.
     * Links are followed, as a file sink's writes are; a directory that does not exist is the sink's to report.
     */
    String cannotWrite(List<Path> files) {
        for (Path f : files) {
            try {
                if (Files.exists(f)) {
                    Path real = f.toRealPath();
                    if (!allowed(real, 02)) {
                        return real + " (" + describe(real) + ")";
                    }
                } else {
                    Path dir = f.toAbsolutePath().getParent();
                    if (dir != null && Files.isDirectory(dir) && !allowed(dir.toRealPath(), 03)) {
                        return f + " (its directory " + dir + " " + describe(dir) + " is not writable for it)";
                    }
                }
            } catch (IOException e) {
                return f + " (" + e.getMessage() + ")";
            }
        }
        return null;
    }

    /**
     * Why this user could not make {@code socket} (its directory neither its own to be, as
     * {@link #handOver} gives a directory the agent makes or that holds only the socket, nor writable
     * and searchable for it by its mode); null when it can.
     */
    String cannotMakeSocket(Path socket) {
        Path dir = socket.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return null; // made now (handOver gives it), or the agent's own error to give
        }
        try {
            return holdsOnlyTheSocket(dir, socket) || allowed(dir, 03) ? null
                : "the socket " + socket + " (its directory " + dir + " " + describe(dir)
                    + " holds other files and is not writable for it)";
        } catch (IOException e) {
            return socket + " (" + e.getMessage() + ")";
        }
    }

    /** Whether this user has the {@code want} bits (04 read, 02 write, 01 search) on {@code p} by its mode. */
    private boolean allowed(Path p, int want) throws IOException {
        java.util.Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid");
        int mode = (Integer) a.get("mode");
        int group = (Integer) a.get("gid");
        int bits;
        if ((Integer) a.get("uid") == uid) {
            bits = mode >> 6;
        } else if (group == gid || java.util.Arrays.stream(groups).anyMatch(g -> g == group)) {
            bits = mode >> 3;
        } else {
            bits = mode;
        }
        return (bits & want) == want;
    }

    private static String describe(Path p) throws IOException {
        java.util.Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid");
        return String.format("mode %04o, owner %s:%s", (Integer) a.get("mode") & 07777, a.get("uid"), a.get("gid"));
    }

    /** Whether there is a switch to make. */
    boolean switches() {
        return uid != 0;
    }

    /**
     * Gives the user the agent's directories (as root, before the switch): {@code dirs} and every
     * file under them (never through a link: {@code lchown}), created first where missing; and the
     * socket's directory, if the agent makes it now or it holds nothing but the socket (a directory
     * shared with anything else is left alone: the agent then needs write access there).
     */
    void handOver(List<Path> dirs, Path socket) throws IOException {
        for (Path d : dirs) {
            if (Files.isSymbolicLink(d)) {
                throw new IOException("refusing to hand over " + d + ": it is a symbolic link");
            }
            if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(d);
                Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
            List<Path> all = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(d)) { // does not follow links
                walk.forEach(all::add);
            }
            for (Path p : all) {
                chown(p);
            }
        }
        Path dir = socket.toAbsolutePath().getParent();
        if (dir == null) {
            return;
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
            chown(dir);
            return;
        }
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (holdsOnlyTheSocket(dir, socket)) {
            chown(dir);
            // the sensor (uid 0 without CAP_DAC_OVERRIDE) passes through the agent's group
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms =
                Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            perms.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE);
            Files.setPosixFilePermissions(dir, perms);
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                chown(socket);
            }
        }
    }

    /** Whether {@code dir} holds nothing but {@code socket} (or nothing): a directory of the agent's own, handed over. */
    private static boolean holdsOnlyTheSocket(Path dir, Path socket) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.allMatch(p -> p.getFileName().equals(socket.getFileName()));
        }
    }

    /** Gives the user one file (never through a link). */
    void giveFile(Path p) throws IOException {
        chown(p);
    }

    private void chown(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
}
