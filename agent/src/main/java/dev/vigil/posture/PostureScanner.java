package dev.vigil.posture;

import dev.vigil.event.Capabilities;
import dev.vigil.posture.PostureReport.ContainerPosture;
import dev.vigil.posture.PostureReport.ProcessFinding;
import dev.vigil.state.ContainerIds;
import dev.vigil.state.ProcReader;
import dev.vigil.state.ProcSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scans the node now: every process under the proc root ({@code status}, {@code cgroup}), and the pids
 * cgroup of every container found. Reports container processes with the full capability set of this
 * kernel (privileged), other container processes with capabilities beyond Docker's default set
 * ({@link Capabilities#DOCKER_DEFAULT}), and containers whose {@code pids.max} is {@code max}.
 * Host processes are not findings: root daemons on the host hold the full set by design.
 *
 * <p>A one-off scan for the CLI and tests: allocates freely; not thread-safe.
 */
public final class PostureScanner {
    private final String procRoot;
    private final String cgroupRoot;

    public PostureScanner(String procRoot, String cgroupRoot) {
        this.procRoot = procRoot;
        this.cgroupRoot = cgroupRoot;
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
            MutableContainer c = containers.computeIfAbsent(s.containerId, id -> new MutableContainer());
            c.processes++;
            if (c.pidsCgroupDir == null) {
                c.pidsCgroupDir = s.pidsCgroupDir;
            }
            long eff = s.capEffective;
            if ((eff & full) == full) {
                c.privileged = true;
                privileged.add(finding(s, eff & ~Capabilities.DOCKER_DEFAULT));
            } else if ((eff & ~Capabilities.DOCKER_DEFAULT) != 0) {
                beyond.add(finding(s, eff & ~Capabilities.DOCKER_DEFAULT));
            }
        }
        List<ContainerPosture> all = new ArrayList<>();
        List<ContainerPosture> unlimited = new ArrayList<>();
        for (Map.Entry<String, MutableContainer> e : containers.entrySet()) {
            MutableContainer c = e.getValue();
            long limit = ProcReader.readPidsMax(c.pidsCgroupDir);
            ContainerPosture p = new ContainerPosture(e.getKey(), c.pidsCgroupDir,
                limit == ProcReader.LIMIT_UNKNOWN ? null : limit, c.processes, c.privileged);
            all.add(p);
            if (limit == ProcReader.NO_LIMIT) {
                unlimited.add(p);
            }
        }
        return new PostureReport(Capabilities.hex(full), scanned, List.copyOf(privileged), List.copyOf(beyond),
            List.copyOf(unlimited), List.copyOf(all));
    }

    private static ProcessFinding finding(ProcSnapshot s, long extra) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((extra & (1L << i)) != 0) {
                names.add(Capabilities.name(i));
            }
        }
        return new ProcessFinding(s.pid, s.name, s.containerId, Capabilities.hex(s.capEffective), List.copyOf(names));
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
        int processes;
        boolean privileged;
        String pidsCgroupDir;
    }
}
