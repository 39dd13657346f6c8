package dev.vigil.runtime;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.vigil.runtime.api.ContainerdContainers.Container;
import dev.vigil.runtime.api.ContainerdContainers.GetContainerRequest;
import dev.vigil.runtime.api.ContainerdContainers.ListContainersRequest;
import dev.vigil.runtime.api.ContainerdEvents;
import dev.vigil.runtime.api.ContainerdEventsApi.Envelope;
import dev.vigil.runtime.api.ContainerdEventsApi.SubscribeRequest;
import dev.vigil.runtime.api.ContainersGrpc;
import dev.vigil.runtime.api.EventsGrpc;
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
 * containerd's own API (not its CRI): the container records of the configured namespaces ({@code k8s.io},
 * {@code moby}, {@code default}), so containers made by {@code ctr run}, {@code nerdctl} or Docker on
 * containerd resolve as well as the kubelet's, and the event stream that reports a container when its
 * record is created — before its task, so before its first process.
 *
 * <p>Identity: type {@code containerd} ({@code docker} in the {@code moby} namespace); the name is the
 * Kubernetes container name from the CRI plugin's spec annotations, the pod's name for a pod sandbox, else
 * the container id ({@code ctr run … t1} is {@code t1}) — but not in {@code moby}, where the id is Docker's
 * and the name is left to the Docker client; the image from the CRI's {@code image-name} annotation, else the record's image; labels
 * from the record (without the CRI's own {@code io.cri-containerd.*} bookkeeping); pod labels from the
 * pod sandbox's record (the CRI plugin labels the sandbox with the pod's labels); privileged from the
 * spec ({@link OciSpec}).
 *
 * <p>Threading: any thread (gRPC stubs are thread-safe); {@link #watch} blocks its caller.
 */
public final class ContainerdClient implements RuntimeClient {
    public static final String NAME = "containerd";
    private static final String TYPE = "containerd";
    /** Docker's namespace in containerd: its containers are Docker's (type docker, named by the Engine API). */
    private static final String MOBY = "moby";
    private static final String DOCKER_TYPE = "docker";
    private static final String CRI_LABEL_PREFIX = "io.cri-containerd.";
    /** One per topic: containerd ORs the filters of a subscription. */
    static final List<String> TOPICS = List.of("/containers/create", "/containers/update", "/containers/delete",
        "/tasks/create", "/tasks/start", "/tasks/delete");

    private final UnixChannel channel;
    private final List<String> namespaces;
    private final long timeoutMillis;
    private volatile Context.CancellableContext watching;

    public ContainerdClient(String socket, List<String> namespaces, long timeoutMillis) {
        this.channel = new UnixChannel(NAME, socket);
        this.namespaces = List.copyOf(namespaces);
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ContainerIdentity> list() throws IOException {
        List<ContainerIdentity> out = new ArrayList<>();
        for (String ns : namespaces) {
            List<Container> records = call(() -> containers(ns)
                .list(ListContainersRequest.getDefaultInstance()).getContainersList());
            Map<String, Container> byId = new HashMap<>();
            for (Container c : records) {
                byId.put(c.getId(), c);
            }
            for (Container c : records) {
                out.add(identity(ns, c, byId::get));
            }
        }
        return out;
    }

    @Override
    public Optional<ContainerIdentity> inspect(String id) throws IOException {
        for (String ns : namespaces) {
            Optional<Container> c = find(ns, id);
            if (c.isPresent()) {
                return Optional.of(identity(ns, c.get(), sandboxId -> get(ns, sandboxId).orElse(null)));
            }
        }
        return Optional.empty();
    }

    /**
     * One namespace's record by full id, or by the short id's prefix when that is unique: a hex id of any
     * length, or a name cut to the 12 characters the pipeline keeps ({@code ctr run … vigil-e2e-84ab} is
     * {@code vigil-e2e-84} there).
     */
    private Optional<Container> find(String ns, String id) throws IOException {
        Optional<Container> exact = get(ns, id);
        String prefix = exact.isPresent() ? null : prefixPattern(id);
        if (prefix == null) {
            return exact;
        }
        List<Container> matches = call(() -> containers(ns)
            .list(ListContainersRequest.newBuilder().addFilters("id~=\"^" + prefix + "\"").build()).getContainersList());
        return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
    }

    /** The regular expression (without anchors) for ids starting with {@code id}, or null when none is asked. */
    static String prefixPattern(String id) {
        if (isHex(id)) {
            return id;
        }
        if (id.length() != SHORT_ID) {
            return null;
        }
        StringBuilder re = new StringBuilder(SHORT_ID + 8);
        for (int i = 0; i < id.length(); i++) {
            char ch = id.charAt(i);
            if (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
                re.append(ch);
            } else if (ch == '.') {
                re.append("[.]"); // no backslash: the filter's quoted string would need its own escaping
            } else {
                return null; // not a containerd id
            }
        }
        return re.toString();
    }

    private Optional<Container> get(String ns, String id) throws IOException {
        try {
            return Optional.of(containers(ns).get(GetContainerRequest.newBuilder().setId(id).build()).getContainer());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw RuntimeCallException.from(e, channel.socket);
        }
    }

    @Override
    public void watch(Listener listener) throws IOException {
        SubscribeRequest.Builder req = SubscribeRequest.newBuilder();
        for (String topic : TOPICS) {
            req.addFilters("topic==\"" + topic + "\"");
        }
        Context.CancellableContext ctx = Context.current().withCancellation();
        watching = ctx;
        Context previous = ctx.attach();
        try {
            Iterator<Envelope> stream = EventsGrpc.newBlockingStub(channel.channel).subscribe(req.build());
            while (stream.hasNext()) {
                onEvent(stream.next(), listener);
            }
        } catch (StatusRuntimeException e) {
            if (ctx.isCancelled()) {
                return;
            }
            throw RuntimeCallException.from(e, channel.socket);
        } finally {
            ctx.detach(previous);
            ctx.cancel(null);
        }
    }

    private void onEvent(Envelope e, Listener listener) throws IOException {
        String ns = e.getNamespace();
        if (!namespaces.contains(ns)) {
            return;
        }
        String id = containerId(e.getTopic(), e.getEvent());
        if (id == null) {
            return;
        }
        if ("/containers/delete".equals(e.getTopic())) {
            listener.deleted(id);
            return;
        }
        Optional<Container> c = get(ns, id);
        if (c.isPresent()) {
            listener.upsert(identity(ns, c.get(), sandboxId -> get(ns, sandboxId).orElse(null)));
        }
    }

    /** The container an event is about; null for an event Vigil ignores (an exec's task ending). */
    static String containerId(String topic, Any event) throws InvalidProtocolBufferException {
        return switch (topic) {
            case "/containers/create" -> ContainerdEvents.ContainerCreate.parseFrom(event.getValue()).getId();
            case "/containers/update" -> ContainerdEvents.ContainerUpdate.parseFrom(event.getValue()).getId();
            case "/containers/delete" -> ContainerdEvents.ContainerDelete.parseFrom(event.getValue()).getId();
            case "/tasks/create" -> ContainerdEvents.TaskCreate.parseFrom(event.getValue()).getContainerId();
            case "/tasks/start" -> ContainerdEvents.TaskStart.parseFrom(event.getValue()).getContainerId();
            case "/tasks/delete" -> {
                ContainerdEvents.TaskDelete d = ContainerdEvents.TaskDelete.parseFrom(event.getValue());
                yield d.getId().isEmpty() || d.getId().equals(d.getContainerId()) ? d.getContainerId() : null;
            }
            default -> null;
        };
    }

    interface SandboxLookup {
        Container find(String sandboxId) throws IOException;
    }

    static ContainerIdentity identity(String namespace, Container c, SandboxLookup sandboxes) throws IOException {
        OciSpec spec = spec(c.getSpec());
        boolean docker = MOBY.equals(namespace);
        IdentityBuilder b = new IdentityBuilder(c.getId(), docker ? DOCKER_TYPE : TYPE, NAME);
        b.labels.putAll(withoutCriBookkeeping(c.getLabelsMap()));
        KubernetesAnnotations.apply(spec.annotations(), c.getLabelsMap(), b);
        if (!docker) {
            b.name(c.getId()); // Docker's record is named by Docker's id; its name only the Engine API knows
        }
        if (spec.annotations().containsKey(KubernetesAnnotations.CRI + "container-type")) {
            // A kubelet's container: containerd's record and the CRI's image-name annotation name the image
            // by one of its tags, not always the reference the kubelet asked for (an image tagged twice came
            // out under the other tag); the CRI, ranked first, answers with the right one.
            b.image = null;
        } else {
            b.image(c.getImage());
        }
        b.privileged(spec.privileged());
        String sandboxId = spec.annotations().get(KubernetesAnnotations.CRI + "sandbox-id");
        if (sandboxId != null && !KubernetesAnnotations.isSandbox(spec.annotations())) {
            Container sandbox = sandboxes.find(sandboxId);
            if (sandbox != null) {
                b.podLabels.putAll(withoutCriBookkeeping(sandbox.getLabelsMap()));
            }
        } else if (KubernetesAnnotations.isSandbox(spec.annotations())) {
            b.podLabels.putAll(withoutCriBookkeeping(c.getLabelsMap()));
        }
        return b.build();
    }

    private static OciSpec spec(Any spec) {
        try {
            return OciSpec.parse(spec.getValue().toByteArray());
        } catch (IOException e) {
            return OciSpec.EMPTY;
        }
    }

    private static Map<String, String> withoutCriBookkeeping(Map<String, String> labels) {
        Map<String, String> out = new HashMap<>(labels);
        out.keySet().removeIf(k -> k.startsWith(CRI_LABEL_PREFIX));
        return out;
    }

    private ContainersGrpc.ContainersBlockingStub containers(String ns) {
        return UnixChannel.inNamespace(ContainersGrpc.newBlockingStub(channel.channel), ns)
            .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private interface Call<T> {
        T run();
    }

    private <T> T call(Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (StatusRuntimeException e) {
            throw RuntimeCallException.from(e, channel.socket);
        }
    }

    /** The length of the id the pipeline keeps ({@code container.id}). */
    private static final int SHORT_ID = 12;

    private static boolean isHex(String id) {
        if (id.isEmpty() || id.length() >= 64) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char ch = id.charAt(i);
            if (!(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f')) {
                return false;
            }
        }
        return true;
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
