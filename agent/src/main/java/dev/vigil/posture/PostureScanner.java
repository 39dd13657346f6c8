package dev.vigil.posture;

import dev.vigil.event.Capabilities;
import dev.vigil.posture.PostureReport.ContainerPosture;
import dev.vigil.posture.PostureReport.ProcessFinding;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.state.ContainerIds;
import dev.vigil.state.ProcReader;
import dev.vigil.state.ProcSnapshot;
import dev.vigil.state.SandboxFacts;
import dev.vigil.state.SandboxFinding;
import dev.vigil.state.SandboxReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Scans the node now: every process under the proc root ({@code status}, {@code cgroup}), and the pids
 * cgroup of every container found. Reports container processes with the full capability set of this
 * kernel (privileged), other container processes with capabilities beyond Docker's default set
 * ({@link Capabilities#DOCKER_DEFAULT}), containers whose {@code pids.max} is {@code max}, and each
 * container's sandbox (its lowest pid's: seccomp, LSM, namespaces, mounts; {@link SandboxReader}) with
 * its findings.
 * Host processes are not findings: root daemons on the host hold the full set by design. Each finding
 * names its container's image, pod and namespace when the identity lookup knows them (null otherwise).
 *
 * <p>A one-off scan for the CLI and tests: allocates freely; not thread-safe.
 */
public final class PostureScanner {
    private final String procRoot;
    private final String cgroupRoot;
    private final Function<String, ContainerIdentity> identities;
    private final Set<SandboxFinding> alertOn;
    private final Set<String> trustedImages;

    /** Without identities: no finding names an image, pod or namespace. */
    public PostureScanner(String procRoot, String cgroupRoot) {
        this(procRoot, cgroupRoot, id -> null);
    }

    /**
     * @param identities who a container is, by the short id the cgroup gives (the runtime room's
     *                   {@code IdentitySource::lookup}); null for an unknown container; asked once per container
     */
    public PostureScanner(String procRoot, String cgroupRoot, Function<String, ContainerIdentity> identities) {
        this(procRoot, cgroupRoot, identities, Set.of(), Set.of());
    }

    /**
     * What decides a sandbox finding's {@code alerts}, as the running agent decides it.
     *
     * @param alertOn       the default-off findings the agent's config turns into alerts ({@code posture.alertOn})
     * @param trustedImages image repositories the posture rules never alert for (the loaded ruleset's
     *                      {@code vigil_posture_trusted_images}); matched, as the rules' {@code in}, exactly
     *                      against a container's {@code container.image.repository}, so only where identity knows it
     */
    public PostureScanner(String procRoot, String cgroupRoot, Function<String, ContainerIdentity> identities,
                          Set<SandboxFinding> alertOn, Set<String> trustedImages) {
        this.procRoot = procRoot;
        this.cgroupRoot = cgroupRoot;
        this.identities = identities;
        this.alertOn = Set.copyOf(alertOn);
        this.trustedImages = Set.copyOf(trustedImages);
    }

    public PostureReport scan() {
        ProcReader reader = new ProcReader(procRoot, cgroupRoot);
        long full = reader.fullCapabilitySet(Capabilities.FULL_SET);
        List<ProcessFinding> privileged = new ArrayList<>();
        List<ProcessFinding> beyond = new ArrayList<>();
        Map<String, MutableContainer> containers = new TreeMap<>();
        int scanned = 0;
        for (int pid : pids()) {
            if (reader.read(pid) != ProcReader.Result.OK) {
                continue; // exited while we scanned
            }
            scanned++;
            ProcSnapshot s = reader.snapshot();
            if (ContainerIds.HOST.equals(s.containerId)) {
                continue;
            }
            MutableContainer c = containers.computeIfAbsent(s.containerId, id -> new MutableContainer(identities.apply(id)));
            c.processes++;
            if (c.firstPid == 0 || pid < c.firstPid) {
                c.firstPid = pid; // the container's init, unless pids wrapped: its workload
            }
            if (c.pidsCgroupDir == null) {
                c.pidsCgroupDir = s.pidsCgroupDir;
            }
            long eff = s.capEffective;
            if ((eff & full) == full) {
                c.privileged = true;
                privileged.add(finding(s, eff & ~Capabilities.DOCKER_DEFAULT, c.identity));
            } else if ((eff & ~Capabilities.DOCKER_DEFAULT) != 0) {
                beyond.add(finding(s, eff & ~Capabilities.DOCKER_DEFAULT, c.identity));
            }
        }
        List<ContainerPosture> all = new ArrayList<>();
        List<ContainerPosture> unlimited = new ArrayList<>();
        List<PostureReport.SandboxFinding> sandboxFindings = new ArrayList<>();
        SandboxReader sandboxes = new SandboxReader(procRoot);
        for (Map.Entry<String, MutableContainer> e : containers.entrySet()) {
            MutableContainer c = e.getValue();
            long limit = ProcReader.readPidsMax(c.pidsCgroupDir);
            PostureReport.Sandbox sandbox = null;
            if (sandboxes.read(c.firstPid, alertOn) == SandboxReader.Result.OK) {
                sandbox = sandbox(c.firstPid, sandboxes.facts(), e.getKey(), c.identity, trusted(c.identity),
                    sandboxFindings);
            }
            ContainerPosture p = new ContainerPosture(e.getKey(), c.pidsCgroupDir,
                limit == ProcReader.LIMIT_UNKNOWN ? null : limit, c.processes, c.privileged, image(c.identity),
                c.identity == null ? null : c.identity.podName(), c.identity == null ? null : c.identity.podNamespace(),
                sandbox);
            all.add(p);
            if (limit == ProcReader.NO_LIMIT) {
                unlimited.add(p);
            }
        }
        return new PostureReport(Capabilities.hex(full), scanned, List.copyOf(privileged), List.copyOf(beyond),
            List.copyOf(unlimited), List.copyOf(all), List.copyOf(sandboxFindings));
    }

    /** The rules' {@code container.image.repository in (vigil_posture_trusted_images)}: false when unknown. */
    private boolean trusted(ContainerIdentity id) {
        return id != null && id.imageRepository() != null && trustedImages.contains(id.imageRepository());
    }

    /**
     * The report's view of a workload's sandbox; its findings appended to {@code out}, none alerting for a
     * trusted image (the posture rules' {@code not vigil_posture_trusted_image}).
     */
    private static PostureReport.Sandbox sandbox(int pid, SandboxFacts f, String containerId, ContainerIdentity id,
                                                 boolean trusted, List<PostureReport.SandboxFinding> out) {
        List<String> labels = new ArrayList<>();
        for (SandboxFinding x : f.findings) {
            labels.add(x.label());
            boolean alerts = !trusted && f.alerting.contains(x);
            out.add(new PostureReport.SandboxFinding(containerId, x.label(), alerts, detail(x, f), pid, image(id),
                id == null ? null : id.podName(), id == null ? null : id.podNamespace()));
        }
        return new PostureReport.Sandbox(pid, f.seccomp, f.seccompFilters, f.noNewPrivs, f.lsmProfile, f.userns, f.uid,
            f.gid, f.hostNamespaces, f.unknownNamespaces, f.sensitiveMounts, List.copyOf(labels));
    }

    private static String detail(SandboxFinding x, SandboxFacts f) {
        return switch (x) {
            case HOST_PID, HOST_NET, HOST_IPC, HOST_UTS, HOST_MNT -> "host_ns=" + String.join(",", f.hostNamespaces);
            case RUNTIME_SOCKET, HOST_PATH_WRITABLE, HOST_PATH_MOUNTED -> "mounts=" + String.join(",", f.sensitiveMounts);
            case SECCOMP_DISABLED -> "seccomp=" + f.seccomp;
            case LSM_UNCONFINED -> "lsm=" + f.lsmProfile;
            case NO_NEW_PRIVS_OFF -> "no_new_privs=false";
            case ROOT_WITHOUT_USERNS -> "uid=" + f.uid + " userns=false";
            case PRIVILEGED_EXEC -> "";
        };
    }

    private static ProcessFinding finding(ProcSnapshot s, long extra, ContainerIdentity identity) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((extra & (1L << i)) != 0) {
                names.add(Capabilities.name(i));
            }
        }
        return new ProcessFinding(s.pid, s.name, s.containerId, Capabilities.hex(s.capEffective), List.copyOf(names),
            image(identity), identity == null ? null : identity.podName(),
            identity == null ? null : identity.podNamespace());
    }

    /** {@code repository:tag}, the repository alone, else the full reference; null when unknown. */
    static String image(ContainerIdentity c) {
        if (c == null) {
            return null;
        }
        if (c.imageRepository() == null) {
            return c.image();
        }
        return c.imageTag() == null ? c.imageRepository() : c.imageRepository() + ":" + c.imageTag();
    }

    private List<Integer> pids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Paths.get(procRoot))) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit) && n.length() < 10) {
                    pids.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + procRoot, e);
        }
        pids.sort(null);
        return pids;
    }

    private static final class MutableContainer {
        final ContainerIdentity identity;
        int processes;
        int firstPid;
        boolean privileged;
        String pidsCgroupDir;

        MutableContainer(ContainerIdentity identity) {
            this.identity = identity;
        }
    }
}
