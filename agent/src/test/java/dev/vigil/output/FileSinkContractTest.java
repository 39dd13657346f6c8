package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

class FileSinkContractTest extends AlertSinkContractTest {
    private Path file;

    @Override
    AlertSink newSink() {
        file = tmp.resolve("out/alerts.json");
        return new FileSink(file, 1 << 30, 2);
    }

    @Override
    List<Alert> received() throws Exception {
        List<Alert> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
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
