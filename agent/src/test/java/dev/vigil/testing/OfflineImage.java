package dev.vigil.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An image built without a registry or a Docker engine: a root file system assembled from files of this
 * machine (with the shared libraries their ELF files need, found by {@code ldd}), written as a one-layer
 * docker-archive that {@code ctr images import} takes. The image config (user, entrypoint, cmd, env) is given
 * by the caller, usually read from a stage of the repository's Dockerfile ({@link DockerfileStage}), so that
 * the image runs as the Dockerfile says. Not thread-safe.
 */
public final class OfflineImage {
    private final Path rootfs;
    private final Set<Path> elfs = new LinkedHashSet<>();

    public OfflineImage(Path rootfs) throws IOException {
        this.rootfs = Files.createDirectories(rootfs);
    }

    public Path rootfs() {
        return rootfs;
    }

    /** Copies a host file or directory tree to {@code at} in the image (symbolic links kept as links). */
    public OfflineImage copy(Path from, String at) throws IOException {
        Path to = inside(at);
        Files.createDirectories(to.getParent());
        if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> all = Files.walk(from)) {
                for (Path f : all.toList()) {
                    Path t = to.resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(f, t, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                        noteElf(f, t);
                    }
                }
            }
        } else {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
            noteElf(from, to);
        }
        return this;
    }

    public OfflineImage directory(String at, String mode) throws IOException {
        Path d = Files.createDirectories(inside(at));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
        return this;
    }

    public OfflineImage file(String at, String content) throws IOException {
        Path f = inside(at);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        return this;
    }

    public OfflineImage symlink(String at, String target) throws IOException {
        Path l = inside(at);
        Files.createDirectories(l.getParent());
        Files.createSymbolicLink(l, Path.of(target));
        return this;
    }

    /**
     * Counts a native library the image carries inside an archive (a jar's JNI library, extracted to
     * {@code /tmp} at run time) among the ELF files whose shared libraries {@link #withSharedLibraries()} adds.
     */
    public OfflineImage needsLibrariesOf(Path elf) {
        elfs.add(elf);
        return this;
    }

    /** Adds, at their host paths, the shared libraries (and the loader) that every ELF file copied so far needs. */
    public OfflineImage withSharedLibraries() throws IOException, InterruptedException {
        Deque<Path> todo = new ArrayDeque<>(elfs);
        Set<String> done = new LinkedHashSet<>();
        // Libraries that find each other only inside the JVM (libjvm.so for libextnet.so...): their own directories.
        Set<String> ownDirs = new LinkedHashSet<>();
        elfs.forEach(e -> ownDirs.add(e.getParent().toString()));
        String libraryPath = String.join(":", ownDirs);
        while (!todo.isEmpty()) {
            Path elf = todo.pop();
            for (String lib : ldd(elf, libraryPath)) {
                boolean own = ownDirs.stream().anyMatch(d -> lib.startsWith(d + "/"));
                if (!own && done.add(lib) && !Files.exists(inside(lib), LinkOption.NOFOLLOW_LINKS)) {
                    Path to = inside(lib);
                    Files.createDirectories(to.getParent());
                    Files.copy(Path.of(lib).toRealPath(), to, StandardCopyOption.COPY_ATTRIBUTES);
                    todo.push(Path.of(lib).toRealPath());
                }
            }
        }
        return this;
    }

    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

    private static List<String> ldd(Path elf, String libraryPath) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("ldd", elf.toString()).redirectErrorStream(true);
        pb.environment().put("LD_LIBRARY_PATH", libraryPath);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("ldd " + elf + " did not finish");
        }
        if (out.contains("not found")) {
            throw new IOException("ldd " + elf + ": a library is missing on this machine:\n" + out);
        }
        List<String> libs = new ArrayList<>();
        for (String line : out.lines().toList()) {
            Matcher m = LDD_PATH.matcher(line);
            if (m.find()) {
                libs.add(m.group(1));
            }
        }
        return libs;
    }

    private void noteElf(Path host, Path copy) throws IOException {
        if (Files.isRegularFile(host, LinkOption.NOFOLLOW_LINKS) && Files.size(host) > 4) {
            byte[] head = new byte[4];
            try (var in = Files.newInputStream(host)) {
                if (in.read(head) == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
                    elfs.add(host);
                }
            }
        }
    }

    private Path inside(String at) {
        return rootfs.resolve(at.startsWith("/") ? at.substring(1) : at);
    }

    /**
     * Writes the docker-archive ({@code manifest.json}, the config, {@code layer.tar}) to {@code archive}.
     *
     * @param config the image config's {@code config} object (User, Entrypoint, Cmd, Env)
     */
    public Path archive(Path archive, List<String> tags, ObjectNode config) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(archive.getParent(), "img");
        Path layer = work.resolve("layer.tar");
        // Numeric owners as on disk (root), sorted names: the same tree gives the same layer.
        run(List.of("tar", "--sort=name", "--numeric-owner", "-C", rootfs.toString(), "-cf", layer.toString(), "."));
        ObjectMapper json = new ObjectMapper();
        ObjectNode image = json.createObjectNode().put("architecture", "amd64").put("os", "linux");
        image.set("config", config);
        ObjectNode fs = image.putObject("rootfs").put("type", "layers");
        fs.putArray("diff_ids").add("sha256:" + sha256(layer));
        byte[] configBytes = json.writeValueAsBytes(image);
        String configName = sha256(configBytes) + ".json";
        Files.write(work.resolve(configName), configBytes);
        ArrayNode manifest = json.createArrayNode();
        ObjectNode entry = manifest.addObject().put("Config", configName);
        tags.forEach(entry.putArray("RepoTags")::add);
        entry.putArray("Layers").add("layer.tar");
        Files.write(work.resolve("manifest.json"), json.writeValueAsBytes(manifest));
        run(List.of("tar", "-C", work.toString(), "-cf", archive.toString(), "manifest.json", configName, "layer.tar"));
        return archive;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(cmd + " failed: " + out);
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(byte[] b) {
        return HexFormat.of().formatHex(digest().digest(b));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
