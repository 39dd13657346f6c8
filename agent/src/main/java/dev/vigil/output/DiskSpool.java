package dev.vigil.output;

import dev.vigil.config.PrivateDirectories;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A bounded, append-only, on-disk FIFO of records (alerts as JSON), one per sink directory.
 *
 * <p>Layout: segment files {@code 00000000000000000001.seg}, … appended in order; a record is
 * {@code int length | int crc32c(length bytes, payload) | payload} (big-endian). The reader's
 * position is kept in {@code cursor} ({@code long segment | long offset | int crc32c}, rewritten in
 * place on each {@link #commit}); a fully read segment is deleted. On open, every segment is
 * scanned: a record whose length or checksum is wrong (a torn tail after a crash) ends its segment's
 * valid part, and is counted in {@link #corruptRecords()}; the writer always starts a new segment,
 * so a torn tail is never appended to. A bad cursor makes the reader start at the oldest segment
 * (records delivered again: at-least-once).
 *
 * <p>Durability: appends go to the page cache with {@code write(2)} and survive the process being
 * killed ({@code kill -9}); {@link #sync()} ({@code fdatasync} of the writer segment and the cursor)
 * is called by the owner on its fsync interval, so a kernel crash or power loss loses at most that
 * interval. {@code lock} is held with {@code flock} while open: one process per spool directory.
 *
 * <p>Bound: the segment files' total size never exceeds {@code maxBytes}; {@link #append} returns
 * false for a record that does not fit. Space read but in a segment not yet fully read is freed
 * when that segment is.
 *
 * <p>Thread-safe: every method holds this object's lock, except the disk writes of {@link #sync()}
 * (the sink's delivery thread uses it; the pipeline thread only appends, when the sink's memory queue
 * is full, and so never waits for an fsync).
 */
public final class DiskSpool implements Closeable {
    static final int HEADER_BYTES = 8;
    /** Larger than any alert; a larger length can only be garbage. */
    static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;
    private static final String SUFFIX = ".seg";

    /** A segment file and how far its valid records extend. */
    private static final class Segment {
        final long seq;
        final Path path;
        long limit;

        Segment(long seq, Path path, long limit) {
            this.seq = seq;
            this.path = path;
            this.limit = limit;
        }
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final FileChannel cursorChannel;
    private final Deque<Segment> segments = new ArrayDeque<>();
    private final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    private final CRC32C crc = new CRC32C();
    private FileChannel writer;
    private Segment writing;
    private FileChannel reader;
    private Segment reading;
    private long readOffset;
    private long diskBytes;
    private long records;
    private long corrupt;
    private boolean dirty;
    private boolean closed;

    /**
     * Opens (creating, mode 0700) the spool in {@code dir} and recovers what an earlier process left.
     *
     * @param segmentBytes a segment is closed and a new one started beyond this size
     */
    public DiskSpool(Path dir, long maxBytes, long segmentBytes) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(4096, Math.min(segmentBytes, maxBytes));
        createPrivateDirectories(dir);
        // Never through a link, and only our own file: a link planted as lock or cursor must not make
        // the agent write to its target (issue 16, finding 5).
        lockChannel = PrivateDirectories.openFile(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new IOException("spool " + dir + " is in use by another process");
        }
        try {
            cursorChannel = PrivateDirectories.openFile(dir.resolve("cursor"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
        recover();
    }

    /**
     * Creates {@code dir} and missing parents with mode 0700; sets 0700 on {@code dir} itself, which
     * must not be a symbolic link (its mode would be set on the target) and must be this user's.
     */
    static void createPrivateDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isSymbolicLink(abs)) {
            throw new IOException("refusing spool directory " + abs + ": it is a symbolic link");
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = abs; p != null && !Files.exists(p); p = p.getParent()) {
            missing.add(0, p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // created meanwhile by another sink's spool: fine
            }
        }
        Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rwx------"));
        PrivateDirectories.ensure(abs); // its owner
    }

    private void recover() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
        long cursorSeq = -1;
        long cursorOffset = 0;
        ByteBuffer cur = ByteBuffer.allocate(20);
        if (cursorChannel.read(cur, 0) == 20) {
            cur.flip();
            long seq = cur.getLong();
            long off = cur.getLong();
            int sum = cur.getInt();
            if (checksum(cur.array(), 0, 16) == sum) {
                cursorSeq = seq;
                cursorOffset = off;
            }
        }
        long lastSeq = 0;
        for (Path p : files) {
            String n = p.getFileName().toString();
            long seq;
            try {
                seq = Long.parseLong(n.substring(0, n.length() - SUFFIX.length()));
            } catch (NumberFormatException e) {
                continue;
            }
            lastSeq = Math.max(lastSeq, seq);
            if (seq < cursorSeq) {
                Files.deleteIfExists(p);
                continue;
            }
            long start = seq == cursorSeq ? cursorOffset : 0;
            Segment s = new Segment(seq, p, 0);
            long n0 = records;
            s.limit = scan(s, start);
            if (s.limit < start) {
                start = 0;
                records = n0;
                s.limit = scan(s, 0);
            }
            diskBytes += Files.size(p);
            segments.addLast(s);
            if (reading == null) {
                reading = s;
                readOffset = start;
            }
        }
        if (reading != null) {
            reader = FileChannel.open(reading.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }
        startSegment(lastSeq + 1);
    }

    /** Counts the valid records of {@code s} from {@code start}; returns where they end. */
    private long scan(Segment s, long start) throws IOException {
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (start > size) {
                return -1;
            }
            long pos = start;
            while (pos < size) {
                byte[] payload = readAt(ch, pos, size);
                if (payload == null) {
                    corrupt++;
                    break;
                }
                records++;
                pos += HEADER_BYTES + payload.length;
            }
            return pos;
        }
    }

    /** The record at {@code pos}, or null if it is torn or its checksum is wrong. */
    private byte[] readAt(FileChannel ch, long pos, long limit) throws IOException {
        if (limit - pos < HEADER_BYTES) {
            return null;
        }
        header.clear();
        readFully(ch, header, pos);
        header.flip();
        int len = header.getInt();
        int sum = header.getInt();
        if (len < 0 || len > MAX_RECORD_BYTES || limit - pos - HEADER_BYTES < len) {
            return null;
        }
        ByteBuffer payload = ByteBuffer.allocate(len);
        readFully(ch, payload, pos + HEADER_BYTES);
        crc.reset();
        crc.update(header.array(), 0, 4);
        crc.update(payload.array(), 0, len);
        return (int) crc.getValue() == sum ? payload.array() : null;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new IOException("unexpected end of spool segment");
            }
        }
    }

    private int checksum(byte[] b, int off, int len) {
        crc.reset();
        crc.update(b, off, len);
        return (int) crc.getValue();
    }

    private void startSegment(long seq) throws IOException {
        if (writer != null) {
            writer.force(false);
            writer.close();
        }
        Path p = dir.resolve(String.format("%020d", seq) + SUFFIX);
        writer = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        writing = new Segment(seq, p, 0);
        segments.addLast(writing);
        if (reading == null) {
            reading = writing;
            readOffset = 0;
            reader = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** Appends one record; false (nothing written) when it would take the spool over its bound. */
    public synchronized boolean append(byte[] payload) {
        ensureOpen();
        long size = HEADER_BYTES + (long) payload.length;
        if (payload.length > MAX_RECORD_BYTES || diskBytes + size > maxBytes) {
            return false;
        }
        try {
            if (writing.limit > 0 && writing.limit + size > segmentBytes) {
                startSegment(writing.seq + 1);
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            b.putInt(payload.length);
            crc.reset();
            crc.update(b.array(), 0, 4);
            crc.update(payload, 0, payload.length);
            b.putInt((int) crc.getValue());
            b.put(payload);
            b.flip();
            while (b.hasRemaining()) {
                writer.write(b, writing.limit + b.position());
            }
            writing.limit += size;
            diskBytes += size;
            records++;
            dirty = true;
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to spool " + dir, e);
        }
    }

    /**
     * Up to {@code max} of the oldest records, without consuming them; {@link #commit} consumes.
     * Corrupt records met on the way are skipped and counted.
     */
    public synchronized List<byte[]> peek(int max) {
        ensureOpen();
        List<byte[]> out = new ArrayList<>(Math.min(max, 64));
        try {
            Segment seg = reading;
            long off = readOffset;
            FileChannel ch = reader;
            boolean own = false;
            try {
                while (out.size() < max && seg != null) {
                    if (off >= seg.limit) {
                        Segment next = after(seg);
                        if (next == null) {
                            break;
                        }
                        if (own) {
                            ch.close();
                        }
                        seg = next;
                        off = 0;
                        ch = FileChannel.open(seg.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                        own = true;
                        continue;
                    }
                    byte[] r = readAt(ch, off, seg.limit);
                    if (r == null) {
                        // Changed on disk since it was scanned: skip the rest of this segment.
                        corrupt++;
                        seg.limit = off;
                        records = recount();
                        continue;
                    }
                    out.add(r);
                    off += HEADER_BYTES + r.length;
                }
            } finally {
                if (own) {
                    ch.close();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spool " + dir, e);
        }
        return out;
    }

    /** Valid records from the read position on (after a segment was cut short). */
    private long recount() throws IOException {
        long n = 0;
        for (Segment s : segments) {
            long pos = s == reading ? readOffset : 0;
            try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                byte[] r;
                while (pos < s.limit && (r = readAt(ch, pos, s.limit)) != null) {
                    n++;
                    pos += HEADER_BYTES + r.length;
                }
            }
        }
        return n;
    }

    private Segment after(Segment s) {
        boolean found = false;
        for (Segment x : segments) {
            if (found) {
                return x;
            }
            found = x == s;
        }
        return null;
    }

    /** Consumes the {@code n} oldest records (those the last {@link #peek} returned first). */
    public synchronized void commit(int n) {
        ensureOpen();
        try {
            for (int i = 0; i < n; i++) {
                while (readOffset >= reading.limit && reading != writing) {
                    dropReadSegment();
                }
                if (readOffset >= reading.limit) {
                    break;
                }
                header.clear();
                readFully(reader, header, readOffset);
                header.flip();
                readOffset += HEADER_BYTES + header.getInt();
                records--;
            }
            while (readOffset >= reading.limit && reading != writing) {
                dropReadSegment();
            }
            writeCursor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit spool " + dir, e);
        }
    }

    private void dropReadSegment() throws IOException {
        reader.close();
        segments.removeFirst();
        diskBytes -= Files.size(reading.path);
        Files.deleteIfExists(reading.path);
        reading = segments.peekFirst();
        readOffset = 0;
        reader = FileChannel.open(reading.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    private void writeCursor() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putLong(reading.seq).putLong(readOffset);
        b.putInt(checksum(b.array(), 0, 16));
        b.flip();
        while (b.hasRemaining()) {
            cursorChannel.write(b, b.position());
        }
        dirty = true;
    }

    /**
     * fdatasync of the segment being written and of the cursor, if anything changed. The sync runs
     * outside the lock, so that an append (the pipeline thread's, on overflow) never waits for the disk.
     */
    public void sync() {
        FileChannel w;
        synchronized (this) {
            if (closed || !dirty) {
                return;
            }
            dirty = false;
            w = writer;
        }
        try {
            w.force(false);
            cursorChannel.force(false);
        } catch (java.nio.channels.ClosedChannelException e) {
            // The segment was rolled (and forced) or the spool closed meanwhile (close syncs itself).
            synchronized (this) {
                dirty = !closed;
            }
        } catch (IOException e) {
            synchronized (this) {
                dirty = true;
            }
            throw new UncheckedIOException("cannot sync spool " + dir, e);
        }
    }

    /** Records waiting. */
    public synchronized long records() {
        return records;
    }

    /** Bytes of the segment files. */
    public synchronized long diskBytes() {
        return diskBytes;
    }

    /** Torn or corrupt records found and skipped since open. */
    public synchronized long corruptRecords() {
        return corrupt;
    }

    public Path directory() {
        return dir;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("spool " + dir + " is closed");
        }
    }

    /** Syncs and closes; idempotent. An empty writer segment is removed. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        writer.force(false);
        cursorChannel.force(false);
        closed = true;
        writer.close();
        reader.close();
        cursorChannel.close();
        if (writing.limit == 0 && reading != writing) {
            Files.deleteIfExists(writing.path);
        }
        lock.release();
        lockChannel.close();
    }
}
