package dev.vigil.testing;

import com.google.protobuf.Message;
import dev.vigil.runtime.api.Cri;
import dev.vigil.testing.api.CriCreateApi;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Makes pods through a CRI socket as the kubelet does (RunPodSandbox with host networking, CreateContainer,
 * StartContainer), and removes them. The agent never creates anything, so these calls live in a test proto
 * ({@code src/test/proto/vigil/cri_create.proto}) and are called through method descriptors made here (the
 * service name {@code runtime.v1.RuntimeService} is the main proto's). {@link #close()} stops and removes
 * every pod made. Not thread-safe.
 */
public final class CriCreate implements AutoCloseable {
    private static final String SERVICE = "runtime.v1.RuntimeService";

    private final EventLoopGroup loop = new EpollEventLoopGroup(1);
    private final ManagedChannel channel;
    private final List<String> pods = new ArrayList<>();

    public CriCreate(Path socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).usePlaintext().build();
    }

    /** A pod's sandbox config: host network and ipc (no hostname then, as the kubelet does), the given metadata and labels. */
    public static CriCreateApi.PodSandboxConfig pod(String name, String namespace, String uid, Map<String, String> labels) {
        return pod(name, namespace, uid, labels, "");
    }

    /** As above, under {@code cgroupParent} as the kubelet's cgroupfs driver sets it ({@code /kubepods/besteffort/pod<uid>}). */
    public static CriCreateApi.PodSandboxConfig pod(String name, String namespace, String uid, Map<String, String> labels,
                                                    String cgroupParent) {
        CriCreateApi.NamespaceOption host = CriCreateApi.NamespaceOption.newBuilder()
            .setNetwork(CriCreateApi.NamespaceMode.NODE).setPid(CriCreateApi.NamespaceMode.POD)
            .setIpc(CriCreateApi.NamespaceMode.NODE).build();
        return CriCreateApi.PodSandboxConfig.newBuilder()
            .setMetadata(Cri.PodSandboxMetadata.newBuilder().setName(name).setNamespace(namespace).setUid(uid))
            .putAllLabels(labels)
            .setLinux(CriCreateApi.LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent)
                .setSecurityContext(CriCreateApi.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(host)))
            .build();
    }

    public String runPodSandbox(CriCreateApi.PodSandboxConfig config) {
        String id = call("RunPodSandbox", CriCreateApi.RunPodSandboxRequest.newBuilder().setConfig(config).build(),
            CriCreateApi.RunPodSandboxResponse.getDefaultInstance()).getPodSandboxId();
        pods.add(id);
        return id;
    }

    /** Creates (does not start) a container of {@code image} named {@code name} in the pod. */
    public String createContainer(String podId, CriCreateApi.PodSandboxConfig pod, String name, String image,
                                  Map<String, String> labels) {
        return createContainer(podId, pod, name, image, labels, List.of());
    }

    /** As above, running {@code command} instead of the image's entrypoint (empty: the entrypoint). */
    public String createContainer(String podId, CriCreateApi.PodSandboxConfig pod, String name, String image,
                                  Map<String, String> labels, List<String> command) {
        CriCreateApi.ContainerConfig config = CriCreateApi.ContainerConfig.newBuilder()
            .setMetadata(Cri.ContainerMetadata.newBuilder().setName(name))
            .setImage(Cri.ImageSpec.newBuilder().setImage(image))
            .putAllLabels(labels)
            .addAllCommand(command)
            .build();
        return call("CreateContainer", CriCreateApi.CreateContainerRequest.newBuilder().setPodSandboxId(podId)
            .setConfig(config).setSandboxConfig(pod).build(), CriCreateApi.CreateContainerResponse.getDefaultInstance())
            .getContainerId();
    }

    /** Creates (does not start) a container as {@code config} describes it (see {@link PodSpecToCri}). */
    public String createContainer(String podId, CriCreateApi.PodSandboxConfig pod, CriCreateApi.ContainerConfig config) {
        return call("CreateContainer", CriCreateApi.CreateContainerRequest.newBuilder().setPodSandboxId(podId)
            .setConfig(config).setSandboxConfig(pod).build(), CriCreateApi.CreateContainerResponse.getDefaultInstance())
            .getContainerId();
    }

    /** The container's status, verbose: containerd's {@code info} holds its pid and the OCI spec it made. */
    public Cri.ContainerStatusResponse containerStatus(String id) {
        return call("ContainerStatus", Cri.ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build(),
            Cri.ContainerStatusResponse.getDefaultInstance());
    }

    public void startContainer(String id) {
        call("StartContainer", CriCreateApi.StartContainerRequest.newBuilder().setContainerId(id).build(),
            CriCreateApi.StartContainerResponse.getDefaultInstance());
    }

    public void removeContainer(String id) {
        call("StopContainer", CriCreateApi.StopContainerRequest.newBuilder().setContainerId(id).build(),
            CriCreateApi.StopContainerResponse.getDefaultInstance());
        call("RemoveContainer", CriCreateApi.RemoveContainerRequest.newBuilder().setContainerId(id).build(),
            CriCreateApi.RemoveContainerResponse.getDefaultInstance());
    }

    public void removePod(String id) {
        call("StopPodSandbox", CriCreateApi.StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build(),
            CriCreateApi.StopPodSandboxResponse.getDefaultInstance());
        call("RemovePodSandbox", CriCreateApi.RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build(),
            CriCreateApi.RemovePodSandboxResponse.getDefaultInstance());
        pods.remove(id);
    }

    private <Q extends Message, R extends Message> R call(String method, Q request, R responseType) {
        @SuppressWarnings("unchecked")
        MethodDescriptor<Q, R> md = MethodDescriptor.<Q, R>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, method))
            .setRequestMarshaller(ProtoUtils.marshaller((Q) request.getDefaultInstanceForType()))
            .setResponseMarshaller(ProtoUtils.marshaller(responseType))
            .build();
        return ClientCalls.blockingUnaryCall(channel, md, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
            request);
    }

    @Override
    public void close() {
        for (String id : List.copyOf(pods)) {
            try {
                removePod(id);
            } catch (RuntimeException e) {
                // PrivateContainerd's close removes what is left.
            }
        }
        channel.shutdownNow();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
