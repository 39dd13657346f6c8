package dev.vigil.bench.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.Priority;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Formatting one alert as Falco's JSON: Vigil's writer, beside Jackson's ObjectMapper over a Map of
 * the same keys (the naive way) in the same run. Alerts are off the hot path (one per attack, not
 * per event); this guards that a flood of them stays cheap.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AlertFormatBenchmark {
    private Alert alert;
    private AlertJson writer;
    private ObjectMapper mapper;
    private Map<String, Object> asMap;
    private final java.time.format.DateTimeFormatter timeFormat = java.time.format.DateTimeFormatter
        .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    @Setup
    public void setup() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("evt.rawtime", 1795000151000002000L);
        fields.put("evt.type", "socket");
        fields.put("proc.pid", 4242L);
        fields.put("proc.name", "tcpdump");
        fields.put("proc.cmdline", "tcpdump -i eth0 -w /tmp/x.pcap");
        fields.put("container.id", "de6b9f00ba11");
        fields.put("container.image.repository", "docker.io/library/nginx");
        alert = new Alert("5f0c2a4e-6d0b-4c1e-9a55-0b7c8e9d1f23", 1795000151000002000L, "Packet socket in container",
            Priority.WARNING, "syscall", List.of("raw_socket", "container", "mitre_discovery"), "node-1",
            "Packet socket in container (proc=tcpdump pid=4242 cmdline=tcpdump -i eth0 -w /tmp/x.pcap "
                + "container=web id=de6b9f00ba11 image=docker.io/library/nginx)", fields);
        writer = new AlertJson();
        mapper = new ObjectMapper();
        asMap = new LinkedHashMap<>();
        asMap.put("uuid", alert.uuid());
        asMap.put("time", AlertJson.formatTime(alert.timeNanos()));
        asMap.put("rule", alert.rule());
        asMap.put("priority", alert.priority().display());
        asMap.put("source", alert.source());
        asMap.put("tags", alert.tags());
        asMap.put("hostname", alert.hostname());
        asMap.put("output", alert.output());
        asMap.put("output_fields", alert.outputFields());
    }

    @Benchmark
    public byte[] vigilAlertJson() {
        return writer.write(alert);
    }

    /** ObjectMapper over the Map, its time already formatted (only the serialisation). */
    @Benchmark
    public byte[] baselineObjectMapperMap() throws IOException {
        return mapper.writeValueAsBytes(asMap);
    }

    /** The naive way whole: the time formatted by java.time each time, then ObjectMapper over the Map. */
    @Benchmark
    public byte[] baselineObjectMapperMapWithTime() throws IOException {
        long t = alert.timeNanos();
        asMap.put("time", timeFormat.format(java.time.Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L),
            Math.floorMod(t, 1_000_000_000L))));
        return mapper.writeValueAsBytes(asMap);
    }
}
