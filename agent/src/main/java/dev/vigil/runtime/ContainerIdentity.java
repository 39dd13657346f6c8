package dev.vigil.runtime;

import dev.vigil.event.ContainerMeta;
import java.util.Map;

/**
 * Who a container is, as its runtime tells it, with Falco's field names in mind. Immutable; safe to
 * share between threads. A value the runtime does not know is null (a map: empty), never a placeholder.
 * As a {@link ContainerMeta} it hands its labels to the rules by reference (a lookup allocates nothing).
 *
 * @param id              the runtime's full container id (64 hex digits for Docker, CRI and Podman;
 *                        any name for a container made by {@code ctr run})
 * @param type            {@code container.type}: {@code containerd}, {@code docker}, {@code cri-o}, {@code podman}
 * @param name            {@code container.name}: the Kubernetes container name for a CRI container, else the
 *                        runtime's name (Docker's without its leading {@code /})
 * @param image           {@code container.image}: the full reference as the container was created from it
 * @param imageRepository {@code container.image.repository}: the reference without tag and digest
 * @param imageTag        {@code container.image.tag}
 * @param imageDigest     {@code container.image.digest}: {@code sha256:…} where known
 * @param privileged      {@code container.privileged} from the runtime's spec; null when unknown
 * @param labels          {@code container.label[KEY]}
 * @param podName         {@code k8s.pod.name}
 * @param podNamespace    {@code k8s.ns.name}
 * @param podUid          {@code k8s.pod.uid}
 * @param podLabels       {@code k8s.pod.label[KEY]}
 * @param source          which client resolved it ({@code containerd-cri}, {@code containerd}, {@code docker},
 *                        {@code podman}, {@code crio}, {@code oci}); for logs and metrics
 */
public record ContainerIdentity(String id, String type, String name, String image, String imageRepository,
                                String imageTag, String imageDigest, Boolean privileged, Map<String, String> labels,
                                String podName, String podNamespace, String podUid, Map<String, String> podLabels,
                                String source) implements ContainerMeta {
    public ContainerIdentity {
        labels = labels != null ? Map.copyOf(labels) : Map.of();
        podLabels = podLabels != null ? Map.copyOf(podLabels) : Map.of();
    }

    @Override
    public String containerLabel(String key) {
        return labels.get(key);
    }

    @Override
    public String podLabel(String key) {
        return podLabels.get(key);
    }

    /**
     * This identity with every field it does not know (null, or an empty map) taken from {@code other};
     * {@code id} and {@code source} stay this one's. How the resolver lets a later source fill what an
     * earlier one left out.
     */
    public ContainerIdentity orElse(ContainerIdentity other) {
        if (other == null) {
            return this;
        }
        return new ContainerIdentity(id, type != null ? type : other.type, name != null ? name : other.name,
            image != null ? image : other.image,
            imageRepository != null ? imageRepository : other.imageRepository,
            imageTag != null ? imageTag : other.imageTag, imageDigest != null ? imageDigest : other.imageDigest,
            privileged != null ? privileged : other.privileged, !labels.isEmpty() ? labels : other.labels,
            podName != null ? podName : other.podName, podNamespace != null ? podNamespace : other.podNamespace,
            podUid != null ? podUid : other.podUid, !podLabels.isEmpty() ? podLabels : other.podLabels, source);
    }
}
