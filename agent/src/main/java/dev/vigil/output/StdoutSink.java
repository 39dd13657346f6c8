package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.io.PrintStream;
import java.time.Duration;

/** Alerts as JSON lines on a stream (standard output by default). Delivery thread only. */
public final class StdoutSink implements AlertSink {
    private final PrintStream out;
    private final AlertJson json = new AlertJson();

    public StdoutSink(PrintStream out) {
        this.out = out;
    }

    @Override
    public void send(Alert alert) {
        byte[] b = json.write(alert);
        out.write(b, 0, b.length);
        out.write('\n');
    }

    @Override
    public void flush() throws SinkException {
        out.flush();
        if (out.checkError()) {
            throw SinkException.retryable("cannot write to standard output", null);
        }
    }

    @Override
    public void close(Duration deadline) {
        out.flush();
    }
}
