package dev.vigil.ingest;

import dev.vigil.config.IngestConfig;
import dev.vigil.ingest.IngestMetrics.ConnectionRejection;
import io.netty.bootstrap.ServerBootstrap;
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
 * <p>Threading: one event loop thread, {@code vigil-ingest}, so the sink has a single publisher.
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

    public UnixSocketServer(IngestConfig config, LineSink sink, IngestMetrics metrics) {
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
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(EpollServerDomainSocketChannel.class)
            .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(config.readBufferBytes()))
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
        if (connections.size() >= config.maxConnections()) {
            reject(ch, ConnectionRejection.TOO_MANY, "already " + connections.size() + " producers connected");
            return;
        }
        connections.add(ch);
        LineFramer framer = new LineFramer(config.maxLineBytes(), config.readBufferBytes(), new EventDecoder());
        ch.pipeline().addLast("ingest", new EventIngestHandler(framer, sink, metrics));
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
