package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

class StdoutSinkTest extends AlertSinkContractTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    AlertSink newSink() {
        return new StdoutSink(new PrintStream(bytes, false, StandardCharsets.UTF_8));
    }

    @Override
    List<Alert> received() {
        List<Alert> out = new ArrayList<>();
        String all;
        synchronized (bytes) {
            all = bytes.toString(StandardCharsets.UTF_8);
        }
        for (String line : all.split("\n")) {
            if (!line.isEmpty()) {
                out.add(new AlertJson().read(line.getBytes(StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    @Override
    boolean supportsOutage() {
        return false;
    }
}
