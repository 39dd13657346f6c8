package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.TestAlerts;
import dev.vigil.config.OutputConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The delivering process of {@code RsyslogIT}'s kill -9 test, run as its own JVM: {@code SpoolSender
 * SPOOL_DIR OUTPUT_SPEC COUNT PACE_MILLIS} emits COUNT numbered alerts (deterministic uuids) through
 * an {@link Outputs}, PACE_MILLIS ms apart per 100, printing a status line every 100 ms
 * ({@code status emitted=B pending=N spooled=N down=B}, one snapshot: {@code emitted} is read first,
 * so a line with {@code emitted=true} shows the queue after the last alert was handed over);
 * with COUNT 0 it only delivers what the spool holds, and exits 0 once everything is delivered.
 */
public final class SpoolSender {
    private static volatile boolean emittedAll;

    private SpoolSender() {
    }

    static Alert alert(int i) {
        Alert a = TestAlerts.numbered(i);
        return new Alert(uuid(i), a.timeNanos(), a.rule(), a.priority(), a.source(), a.tags(), a.hostname(), a.output(),
            a.outputFields());
    }

    static String uuid(int i) {
        return String.format("00000000-0000-4000-8000-%012d", i);
    }

    public static void main(String[] args) throws Exception {
        String spoolDir = args[0];
        OutputConfig out = OutputSpecs.parse(args[1]).withName("siem");
        int count = Integer.parseInt(args[2]);
        long pace = Long.parseLong(args[3]);
        Outputs d = Outputs.create(List.of(out), spoolDir,
            new SimpleMeterRegistry(), "test");
        SinkDelivery s = d.deliveries().get(0);
        Thread status = new Thread(() -> {
            while (true) {
                boolean emitted = emittedAll;
                System.out.println("status emitted=" + emitted + " pending=" + s.pending() + " spooled=" + s.spooled()
                    + " down=" + s.isDown());
                System.out.flush();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        status.setDaemon(true);
        status.start();
        for (int i = 0; i < count; i++) {
            d.emit(alert(i));
            if (pace > 0 && i % 100 == 99) {
                TimeUnit.MILLISECONDS.sleep(pace);
            }
        }
        emittedAll = true;
        System.out.println("emitted " + count);
        System.out.flush();
        if (count == 0) {
            boolean all = d.flush(Duration.ofMinutes(5));
            d.close(Duration.ofSeconds(5));
            System.out.println("flushed " + all);
            System.exit(all ? 0 : 1);
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
