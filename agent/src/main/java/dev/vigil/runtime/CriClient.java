package dev.vigil.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.runtime.api.Cri;
import dev.vigil.runtime.api.RuntimeServiceGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A CRI endpoint ({@code runtime.v1.RuntimeService}): containerd's CRI plugin on containerd's socket (type
 * {@code containerd}), or CRI-O's socket (type {@code cri-o}). Reads what the kubelet asked for: the
 * Kubernetes container name ({@code metadata.name}), the pod (name, namespace, uid, labels) from the pod
 * sandbox, the container's labels, the image as the kubelet asked for it (the container config in the verbose
 * status; the status's {@code image.image} and the {@code image-name} annotation are only the image's first tag),
 * its digest from {@code image_ref}, and privileged from the verbose status (the CRI config's
 * {@code security_context.privileged}, else the runtime spec, see {@link OciSpec}). Pod sandboxes are listed
 * as containers too, named after their pod.
 *
 * <p>Events: {@code GetContainerEvents} where the runtime has it (CRI-O ≥ 1.26, containerd ≥ 1.7); an
 * {@code UNIMPLEMENTED} answer (containerd 1.6) makes {@link #watch} return at once — containerd's own event
 * stream ({@link ContainerdClient}) covers those containers.
 *
 * <p>Threading: any thread (gRPC stubs are thread-safe); {@link #watch} blocks its caller.
 */
public final class CriClient implements RuntimeClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String type;
    private final UnixChannel channel;
    private final long timeoutMillis;
    private volatile boolean eventsUnimplemented;
    private volatile Context.CancellableContext watching;

    /**
     * @param name   the client's name for logs and metrics ({@code containerd-cri}, {@code crio})
     * @param type   {@code container.type} of what it resolves ({@code containerd}, {@code cri-o})
     * @param socket the CRI socket
     */
    public CriClient(String name, String type, String socket, long timeoutMillis) {
        this.name = name;
        this.type = type;
        this.channel = new UnixChannel(name, socket);
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public String name() {
        return name;
    }

    /** True once the runtime answered that it has no container event stream. */
    public boolean eventsUnimplemented() {
        return eventsUnimplemented;
    }

    @Override
    public List<ContainerIdentity> list() throws IOException {
        try {
            Map<String, Cri.PodSandbox> pods = new HashMap<>();
            for (Cri.PodSandbox p : stub().listPodSandbox(Cri.ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                pods.put(p.getId(), p);
            }
            List<ContainerIdentity> out = new ArrayList<>();
            for (Cri.PodSandbox p : pods.values()) {
                out.add(sandboxIdentity(p.getId(), p.getMetadata(), p.getLabelsMap()));
            }
            for (Cri.Container c : stub().listContainers(Cri.ListContainersRequest.getDefaultInstance())
                .getContainersList()) {
                Optional<Cri.ContainerStatusResponse> status = status(c.getId());
                if (status.isPresent()) {
                    Cri.PodSandbox p = pods.get(c.getPodSandboxId());
                    out.add(containerIdentity(status.get(), p != null ? p.getMetadata() : null,
                        p != null ? p.getLabelsMap() : Map.of()));
                }
            }
            return out;
        } catch (StatusRuntimeException e) {
            throw RuntimeCallException.from(e, channel.socket);
        }
    }

    @Override
    public Optional<ContainerIdentity> inspect(String id) throws IOException {
        try {
            Optional<Cri.ContainerStatusResponse> status = status(id);
            if (status.isPresent()) {
                String sandboxId = sandboxIdOf(status.get());
                Optional<Cri.PodSandboxStatus> pod = sandboxId != null ? sandbox(sandboxId) : Optional.empty();
                return Optional.of(containerIdentity(status.get(), pod.map(Cri.PodSandboxStatus::getMetadata).orElse(null),
                    pod.map(Cri.PodSandboxStatus::getLabelsMap).orElse(Map.of())));
            }
            return sandbox(id).map(p -> sandboxIdentity(p.getId(), p.getMetadata(), p.getLabelsMap()));
        } catch (StatusRuntimeException e) {
            throw RuntimeCallException.from(e, channel.socket);
        }
    }

    @Override
    public void watch(Listener listener) throws IOException {
        if (eventsUnimplemented) {
            return;
        }
        Context.CancellableContext ctx = Context.current().withCancellation();
        watching = ctx;
        Context previous = ctx.attach();
        try {
            Iterator<Cri.ContainerEventResponse> events = RuntimeServiceGrpc.newBlockingStub(channel.channel)
                .getContainerEvents(Cri.GetEventsRequest.getDefaultInstance());
            while (events.hasNext()) {
                onEvent(events.next(), listener);
            }
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                eventsUnimplemented = true;
                return;
            }
            if (ctx.isCancelled()) {
                return;
            }
            throw RuntimeCallException.from(e, channel.socket);
        } finally {
            ctx.detach(previous);
            ctx.cancel(null);
        }
    }

    private void onEvent(Cri.ContainerEventResponse e, Listener listener) {
        if (e.getContainerEventType() == Cri.ContainerEventType.CONTAINER_DELETED_EVENT) {
            listener.deleted(e.getContainerId());
            return;
        }
        Cri.PodSandboxStatus pod = e.hasPodSandboxStatus() ? e.getPodSandboxStatus() : null;
        for (Cri.ContainerStatus s : e.getContainersStatusesList()) {
            if (s.getId().equals(e.getContainerId())) {
                listener.upsert(containerIdentity(Cri.ContainerStatusResponse.newBuilder().setStatus(s).build(),
                    pod != null ? pod.getMetadata() : null, pod != null ? pod.getLabelsMap() : Map.of()));
            }
        }
    }

    private Optional<Cri.ContainerStatusResponse> status(String id) {
        try {
            return Optional.of(stub().containerStatus(
                Cri.ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build()));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<Cri.PodSandboxStatus> sandbox(String id) {
        try {
            return Optional.of(stub().podSandboxStatus(
                Cri.PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()).getStatus());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private ContainerIdentity sandboxIdentity(String id, Cri.PodSandboxMetadata pod, Map<String, String> podLabels) {
        IdentityBuilder b = new IdentityBuilder(id, type, name);
        b.pod(pod.getName(), pod.getNamespace(), pod.getUid());
        b.name(pod.getName());
        b.labels.putAll(podLabels);
        b.podLabels.putAll(podLabels);
        return b.build();
    }

    ContainerIdentity containerIdentity(Cri.ContainerStatusResponse r, Cri.PodSandboxMetadata pod,
                                        Map<String, String> podLabels) {
        Cri.ContainerStatus s = r.getStatus();
        IdentityBuilder b = new IdentityBuilder(s.getId(), type, name);
        JsonNode info = verboseInfo(r);
        OciSpec spec = OciSpec.of(info.path("runtimeSpec"));
        b.name(s.getMetadata().getName());
        // The reference the kubelet asked for first (the config in the verbose info): containerd 1.6's status
        // image.image, its image-name annotation and its container record all carry the image's first tag,
        // another name when several tags share the image.
        b.image(info.path("config").path("image").path("image").asText(null));
        b.image(s.getImage().getUserSpecifiedImage());
        b.image(spec.annotations().get(KubernetesAnnotations.CRI + "image-name"));
        b.image(s.getImage().getImage());
        b.image(s.getImageRef());
        b.imageDigest(ImageReference.digestOf(s.getImageRef()));
        b.labels.putAll(s.getLabelsMap());
        if (pod != null) {
            b.pod(pod.getName(), pod.getNamespace(), pod.getUid());
        }
        b.podLabels.putAll(podLabels);
        JsonNode ctx = info.path("config").path("linux").path("security_context");
        if (ctx.has("privileged")) {
            b.privileged(ctx.path("privileged").asBoolean());
        }
        b.privileged(spec.privileged());
        KubernetesAnnotations.apply(spec.annotations(), s.getLabelsMap(), b);
        return b.build();
    }

    /** containerd's verbose status: one "info" key holding JSON with "config", "runtimeSpec", "sandboxID". */
    private static JsonNode verboseInfo(Cri.ContainerStatusResponse r) {
        String json = r.getInfoMap().get("info");
        if (json == null) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }

    private static String sandboxIdOf(Cri.ContainerStatusResponse r) {
        String fromInfo = verboseInfo(r).path("sandboxID").asText(null);
        if (fromInfo != null && !fromInfo.isEmpty()) {
            return fromInfo;
        }
        String fromLabel = r.getStatus().getAnnotationsMap().get(KubernetesAnnotations.CRIO + "SandboxID");
        return fromLabel;
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub stub() {
        return RuntimeServiceGrpc.newBlockingStub(channel.channel).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Context.CancellableContext ctx = watching;
        if (ctx != null) {
            ctx.cancel(null);
        }
        channel.close();
    }
}
