package dev.vigil.runtime;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel to a runtime's Unix socket (grpc-java over the shaded Netty's epoll transport, apart from
 * the agent's own Netty), with its one event-loop thread ({@code vigil-runtime-grpc-<name>}). Building it
 * never connects: a missing socket shows up as {@code UNAVAILABLE} on the first call, and the channel
 * reconnects by itself (with gRPC's backoff) once the socket is there. Thread-safe; close once.
 */
final class UnixChannel implements AutoCloseable {
    static final Metadata.Key<String> CONTAINERD_NAMESPACE =
        Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
    /** containerd's container records carry the whole OCI spec; a CRI verbose status too. */
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    final String socket;
    final ManagedChannel channel;
    private final EventLoopGroup loop;

    UnixChannel(String name, String socket) {
        this.socket = socket;
        this.loop = new EpollEventLoopGroup(1, new DefaultThreadFactory("vigil-runtime-grpc-" + name, true));
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(loop)
            .usePlaintext()
            .directExecutor()
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .build();
    }

    /** {@code stub} with containerd's namespace header on every call. */
    static <S extends AbstractStub<S>> S inNamespace(S stub, String namespace) {
        Metadata headers = new Metadata();
        headers.put(CONTAINERD_NAMESPACE, namespace);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** Options for a unary call bounded by {@code timeoutMillis}. */
    static CallOptions deadline(long timeoutMillis) {
        return CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
