package dev.vigil.runtime;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fallback source {@code oci}: the OCI bundles the runtime's shims keep on disk, for an agent that has
 * read-only mounts of the state directories but no socket. Reads {@code <stateDir>/<namespace>/<id>/config.json}
 * (containerd's v2 shim layout) and {@code <stateDir>/<id>/userdata/config.json} (CRI-O's), and takes what
 * the spec's annotations tell ({@link KubernetesAnnotations}) and privileged ({@link OciSpec}). A bundle
 * holds no image for a container made outside Kubernetes, and no labels: those stay null and empty.
 *
 * <p>No event stream ({@link #watch} returns at once): the resolver lists it at start and inspects it on
 * request. Thread-safe (stateless).
 */
public final class OciBundleClient implements RuntimeClient {
    public static final String NAME = "oci";
    private static final String CONFIG = "config.json";

    private final List<Path> stateDirs;

    public OciBundleClient(List<String> stateDirs) {
        this.stateDirs = stateDirs.stream().map(Path::of).toList();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ContainerIdentity> list() throws IOException {
        List<ContainerIdentity> out = new ArrayList<>();
        for (Path dir : stateDirs) {
            for (Path bundle : bundles(dir)) {
                read(bundle).ifPresent(out::add);
            }
        }
        return out;
    }

    @Override
    public Optional<ContainerIdentity> inspect(String id) throws IOException {
        if (id.isEmpty() || id.contains("/") || id.startsWith(".")) {
            return Optional.empty();
        }
        for (Path dir : stateDirs) {
            for (Path bundle : bundles(dir)) {
                String bundleId = idOf(bundle);
                if (bundleId.equals(id) || id.length() == 12 && bundleId.length() > 12 && bundleId.startsWith(id)) {
                    Optional<ContainerIdentity> found = read(bundle);
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Every bundle directory (the one holding config.json) under {@code dir}, in both layouts. */
    private static List<Path> bundles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path level1 : children(dir)) {
            if (Files.isRegularFile(level1.resolve("userdata").resolve(CONFIG))) {
                out.add(level1.resolve("userdata"));
                continue;
            }
            for (Path level2 : children(level1)) {
                if (Files.isRegularFile(level2.resolve(CONFIG))) {
                    out.add(level2);
                }
            }
        }
        return out;
    }

    private static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        } catch (AccessDeniedException e) {
            throw new RuntimeCallException(RuntimeCallException.Reason.PERMISSION_DENIED,
                dir + ": permission denied (mount the state directory read-only into the agent; see deploy/README.md)", e);
        }
        return out;
    }

    private static String idOf(Path bundle) {
        Path name = bundle.getFileName().toString().equals("userdata") ? bundle.getParent().getFileName()
            : bundle.getFileName();
        return name.toString();
    }

    /** One bundle's identity; empty when it vanished meanwhile (the container was deleted). */
    static Optional<ContainerIdentity> read(Path bundle) throws IOException {
        byte[] json;
        try {
            json = Files.readAllBytes(bundle.resolve(CONFIG));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new RuntimeCallException(RuntimeCallException.Reason.PERMISSION_DENIED,
                bundle.resolve(CONFIG) + ": permission denied", e);
        }
        OciSpec spec;
        try {
            spec = OciSpec.parse(json);
        } catch (IOException e) {
            return Optional.empty();
        }
        String id = idOf(bundle);
        String type = KubernetesAnnotations.fromCrio(spec.annotations()) ? "cri-o" : "containerd";
        IdentityBuilder b = new IdentityBuilder(id, type, NAME);
        KubernetesAnnotations.apply(spec.annotations(), java.util.Map.of(), b);
        b.name(id);
        b.privileged(spec.privileged());
        return Optional.of(b.build());
    }

    @Override
    public void watch(Listener listener) {
    }

    @Override
    public void close() {
    }
}
