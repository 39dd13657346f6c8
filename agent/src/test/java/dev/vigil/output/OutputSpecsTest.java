package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.FileOutput;
import dev.vigil.config.HttpOutput;
import dev.vigil.config.KafkaOutput;
import dev.vigil.config.OutputConfig;
import dev.vigil.config.OutputType;
import dev.vigil.config.SyslogOutput;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputSpecsTest {
    @Test
    void parsesEveryForm() {
        assertEquals(OutputType.STDOUT, OutputSpecs.parse("stdout").type());
        FileOutput f = (FileOutput) OutputSpecs.parse("file:/var/log/vigil/alerts.json");
        assertEquals("/var/log/vigil/alerts.json", f.path());
        SyslogOutput u = (SyslogOutput) OutputSpecs.parse("syslog+udp://10.0.0.1");
        assertEquals("syslog+udp://10.0.0.1:514", u.url());
        SyslogOutput t = (SyslogOutput) OutputSpecs.parse("syslog+tcp://siem.example:1514?format=cef&facility=local3");
        assertEquals("syslog+tcp://siem.example:1514", t.url());
        assertEquals("cef", t.format());
        assertEquals("local3", t.facility());
        SyslogOutput s = (SyslogOutput) OutputSpecs.parse(
            "syslog+tls://[::1]?ca=/etc/ssl/ca.pem&minPriority=warning&name=siem");
        assertEquals("syslog+tls://[::1]:6514", s.url());
        assertEquals("/etc/ssl/ca.pem", s.caFile());
        assertEquals("warning", s.delivery().minPriority());
        assertEquals("siem", s.nameOrType());
        assertEquals(true, ((SyslogOutput) OutputSpecs.parse("syslog+tls://h:1?insecure=true")).insecureSkipVerify());
        HttpOutput h = (HttpOutput) OutputSpecs.parse("https://sidekick:2801/?x=1");
        assertEquals("https://sidekick:2801/?x=1", h.url());
        KafkaOutput k = (KafkaOutput) OutputSpecs.parse("kafka://b1:9092,b2/vigil.alerts");
        assertEquals(List.of("b1:9092", "b2:9092"), KafkaTarget.parse(k.url(), k.url()).brokers());
        assertEquals(OutputSpecs.HostPort.of("syslog+tls://[::1]:6514"),
            new OutputSpecs.HostPort("tls", "::1", 6514));
    }

    @Test
    void parsedConfigsValidate() {
        for (String spec : List.of("stdout", "file:/tmp/x", "syslog+tcp://h:1?format=cef", "http://h/",
            "kafka://b/t")) {
            List<String> errors = new ArrayList<>();
            OutputConfig c = OutputSpecs.parse(spec);
            dev.vigil.config.VigilConfig v = dev.vigil.config.VigilConfig.defaults().withOutputs(List.of(c));
            errors.addAll(v.validate());
            assertEquals(List.of(), errors, spec);
        }
    }

    @Test
    void badSpecsNameTheSpec() {
        for (String spec : List.of("", "nope", "file:", "syslog+tcp://", "syslog+tcp://h:1?format=xml",
            "syslog+tcp://h:1?ca=/x", "syslog+tls://h:1?insecure=maybe", "syslog+udp://h:1?bogus=1",
            "syslog+tcp://h:1/path", "kafka://broker", "kafka://b/bad topic", "http://", "syslog+tcp://h:1?a",
            "syslog+tls://h:1?minPriority=loud")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputSpecs.parse(spec),
                spec);
            assertTrue(e.getMessage().startsWith("--output"), e.getMessage());
            if (!spec.isEmpty()) {
                assertTrue(e.getMessage().contains(spec), e.getMessage());
            }
        }
    }
}
