package dev.vigil.ingest;

import dev.vigil.config.IngestConfig;
import dev.vigil.ingest.IngestMetrics.ConnectionRejection;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producers' Unix stream socket (Netty epoll). Each connection is checked by its peer
 * credentials (SO_PEERCRED) against the allowed uids and the connection cap, then gets its own
 * framer and decoder feeding the one {@link LineSink}.
 *
 * <p>The socket file is created mode 0660. A socket file left by a crashed run is replaced; one
 * with a live listener behind it is not (start fails). A socket directory that others may write
 * is refused: anyone could swap the socket under the producers.
 *
 * <p>Places ({@code maxConnections}) go to producers that deliver lines ({@link ConnectionSlots}): at
 * the cap a newcomer replaces the connection idle longest, and a connection with no line for
 * {@code idleTimeoutSeconds} is closed, so idle, garbage and slow-loris connections, from any peer and
 * in any number, never keep out a producer with lines to send. The sensor the agent started
 * ({@link #trustProducerPid}) always gets in and is never closed for idleness.
 *
 * <p>Threading: one event loop thread, {@code vigil-ingest}, so the sink has a single publisher; the
 * places are that thread's.
 */
public final class UnixSocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);

    private final IngestConfig config;
    private final LineSink sink;
    private final IngestMetrics metrics;
    private final Set<Integer> allowedUids;
    private final Path path;
    private EventLoopGroup group;
    private Channel serverChannel;
    private ChannelGroup connections;
    private volatile boolean listening;
    /** The producer the agent started (the sensor), by the pid SO_PEERCRED reports; -1: none. */
    private volatile long trustedPid = -1;
    /**
     * A producer that delivered an event within this time (or the idle timeout, if shorter) is active:
     * never replaced. Long beside any pause of the agent's own reading (a full ring under the block
     * policy, a GC): the times are taken when the agent reads, and a 1 s grace let a stalled agent
     * take its busiest producers for idle ones (found by HostileProducersIT on shared cores).
     */
    static final long ACTIVE_GRACE_NANOS = 10_000_000_000L;
    private final long activeGraceNanos;
    private ConnectionSlots<Channel> slots;

    public UnixSocketServer(IngestConfig config, LineSink sink, IngestMetrics metrics) {
        this(config, sink, metrics, ACTIVE_GRACE_NANOS);
    }

    /** {@code activeGraceNanos}: how recent a delivered line keeps a place (tests make it long, to not depend on time). */
    UnixSocketServer(IngestConfig config, LineSink sink, IngestMetrics metrics, long activeGraceNanos) {
        this.activeGraceNanos = activeGraceNanos;
        this.config = config;
        this.sink = sink;
        this.metrics = metrics;
        this.path = Path.of(config.socket()).toAbsolutePath();
        Set<Integer> uids = new HashSet<>(config.allowedUids());
        if (uids.isEmpty()) {
            uids.add(0);
            uids.add(ownUid());
        }
        this.allowedUids = Set.copyOf(uids);
    }

    /** Binds the socket and starts accepting. Throws with a message fit for the operator. */
    public void start() throws IOException {
        Epoll.ensureAvailability();
        try {
            prepareSocketPath();
        } catch (AccessDeniedException e) {
            throw notPermitted(e);
        }
        group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "vigil-ingest");
            t.setDaemon(true);
            return t;
        }, EpollIoHandler.newFactory());
        connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        long idleNanos = TimeUnit.SECONDS.toNanos(config.idleTimeoutSeconds());
        slots = new ConnectionSlots<>(config.maxConnections(), Math.min(activeGraceNanos, idleNanos), idleNanos);
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(EpollServerDomainSocketChannel.class)
            .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(config.readBufferBytes()))
            // Pooled: under the agent's direct-memory cap (-XX:MaxDirectMemorySize=64m, below 512 MiB) Netty's
            // default adaptive allocator runs in its low-memory mode and gives every read of readBufferBytes a
            // fresh, zeroed, unpooled direct buffer: 6 % of the ingest thread at max rate (async-profiler).
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                @Override
                protected void initChannel(EpollDomainSocketChannel ch) {
                    accept(ch);
                }
            });
        try {
            serverChannel = b.bind(new DomainSocketAddress(path.toString())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + path, e);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (String.valueOf(e.getMessage()).contains("Permission denied")) {
                throw notPermitted(e);
            }
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        // The sweep runs on the connections' own loop: the places need no lock.
        long sweepMillis = Math.min(1000, config.idleTimeoutSeconds() * 250L);
        serverChannel.eventLoop().scheduleAtFixedRate(this::closeIdle, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        listening = true;
        log.info("listening on {} (mode 0660, allowed uids {})", path, allowedUids);
    }

    private void accept(EpollDomainSocketChannel ch) {
        PeerCredentials cred;
        try {
            cred = ch.peerCredentials();
        } catch (IOException e) {
            reject(ch, ConnectionRejection.NO_CREDENTIALS, "peer credentials unavailable");
            return;
        }
        if (!allowedUids.contains(cred.uid())) {
            reject(ch, ConnectionRejection.UID_NOT_ALLOWED, "uid " + cred.uid() + " (pid " + cred.pid() + ") not allowed");
            return;
        }
        boolean trusted = cred.pid() == trustedPid;
        ConnectionSlots.Admission<Channel> admission = slots.admit(ch, trusted, System.nanoTime());
        if (!admission.admitted()) {
            reject(ch, ConnectionRejection.TOO_MANY, "all " + slots.size() + " places held by active producers");
            return;
        }
        if (admission.replaced() != null) {
            metrics.connectionRejected(ConnectionRejection.REPLACED_IDLE);
            log.debug("closed the connection idle longest for a new producer (pid {})", cred.pid());
            admission.replaced().connection.close();
        }
        ConnectionSlots.Slot<Channel> slot = admission.slot();
        ch.closeFuture().addListener(f -> slots.remove(slot));
        connections.add(ch);
        LineFramer framer = new LineFramer(config.maxLineBytes(), config.readBufferBytes(), new EventDecoder());
        ch.pipeline().addLast("ingest", new EventIngestHandler(framer, sink, metrics,
            (anyTaken, nanoTime) -> slots.line(slot, anyTaken, nanoTime)));
    }

    private void closeIdle() {
        for (Channel ch : slots.expire(System.nanoTime())) {
            metrics.connectionRejected(ConnectionRejection.IDLE_TIMEOUT);
            ch.close();
        }
    }

    /**
     * The producer the agent started itself (the sensor's pid, as SO_PEERCRED reports it): it always
     * gets a place, taking the one idle longest if it must, and is never closed for idleness.
     */
    public void trustProducerPid(long pid) {
        trustedPid = pid;
    }

    private void reject(Channel ch, ConnectionRejection reason, String why) {
        metrics.connectionRejected(reason);
        log.warn("refused a producer on {}: {}", path, why);
        ch.close();
    }

    /** The default socket is root's: say what a user who is not root passes instead. */
    private IOException notPermitted(Exception cause) {
        return new IOException(path + ": Permission denied — run as root, or pass --socket PATH (ingest.socket) "
            + "in a directory you own, and set state.stateDir to a directory you own", cause);
    }

    private void prepareSocketPath() throws IOException {
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        }
        Set<PosixFilePermission> dirPerms = Files.getPosixFilePermissions(dir);
        if (dirPerms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException("refusing socket directory " + dir + ": others can write to it "
                + "(anyone could replace the socket); use a directory writable only by the agent");
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!"socket".equals(fileType(path))) {
                throw new IOException(path + " exists and is not a socket; not replacing it");
            }
            if (isLive(path)) {
                throw new IOException("another process is listening on " + path + "; not stealing its socket");
            }
            log.info("replacing stale socket file {}", path);
            Files.delete(path);
        }
    }

    private static String fileType(Path p) throws IOException {
        // "unix:mode" gives st_mode; S_IFSOCK = 0140000.
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000 ? "socket" : "other";
    }

    private static boolean isLive(Path p) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(p));
            return true;
        } catch (IOException e) {
            return false; // ECONNREFUSED: nobody listens, the file is stale
        }
    }

    static int ownUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    public boolean isListening() {
        return listening;
    }

    public Path path() {
        return path;
    }

    public Set<Integer> allowedUids() {
        return allowedUids;
    }

    /** Stops accepting and closes every connection; lines already read stay in the ring. */
    @Override
    public void close() {
        listening = false;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (connections != null) {
            connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
