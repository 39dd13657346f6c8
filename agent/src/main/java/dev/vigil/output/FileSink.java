package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Alerts as JSON lines in a file, rotated by size: when a line would take {@code PATH} over
 * {@code maxBytes}, {@code PATH.N-1} → {@code PATH.N} … {@code PATH} → {@code PATH.1} and a new
 * {@code PATH} is started; {@code maxFiles} rotated files are kept (0: the file is truncated). A line
 * is never split across files. Not fsynced (the page cache survives the process; the spool covers
 * outages). Delivery thread only.
 */
public final class FileSink implements AlertSink {
    private final Path path;
    private final long maxBytes;
    private final int maxFiles;
    private final AlertJson json = new AlertJson();
    private OutputStream out;
    private long size;

    public FileSink(Path path, long maxBytes, int maxFiles) {
        this.path = path;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
    }

    @Override
    public void send(Alert alert) throws SinkException {
        byte[] b = json.write(alert);
        try {
            if (out == null) {
                open();
            }
            if (size > 0 && size + b.length + 1 > maxBytes) {
                rotate();
            }
            out.write(b);
            out.write('\n');
            size += b.length + 1;
        } catch (IOException e) {
            closeQuietly();
            throw SinkException.retryable("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private void open() throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        out = new BufferedOutputStream(new FileOutputStream(path.toFile(), true), 64 * 1024);
        size = Files.size(path);
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        if (maxFiles == 0) {
            Files.deleteIfExists(path);
        } else {
            Files.deleteIfExists(rotated(maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--) {
                if (Files.exists(rotated(i))) {
                    Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private Path rotated(int i) {
        return path.resolveSibling(path.getFileName() + "." + i);
    }

    @Override
    public void flush() throws SinkException {
        if (out == null) {
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            closeQuietly();
            throw SinkException.retryable("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private void closeQuietly() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the failure that brought us here is the one reported
            }
            out = null;
        }
    }

    @Override
    public void close(Duration deadline) {
        try {
            flush();
        } catch (SinkException ignored) {
            // the delivery already counted this batch; nothing more to do on close
        }
        closeQuietly();
    }
}
