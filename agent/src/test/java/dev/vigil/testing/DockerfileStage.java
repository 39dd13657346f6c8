package dev.vigil.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one stage of the repository's Dockerfile says its image runs as: {@code USER}, {@code ENTRYPOINT} and
 * {@code CMD} (exec form) and {@code ENV KEY="VALUE"}, as the image config's {@code config} object. Only these
 * instructions are read; an {@code ENV}, {@code ENTRYPOINT} or {@code CMD} in another form fails, so that an
 * offline image never runs differently from the Dockerfile's without a test noticing.
 */
public final class DockerfileStage {
    private static final Pattern FROM = Pattern.compile("(?i)^FROM\\s+\\S+(?:\\s+AS\\s+(\\S+))?$");
    private static final Pattern ENV = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)=\"([^\"]*)\"$");

    private DockerfileStage() {
    }

    public static ObjectNode config(Path dockerfile, String stage) throws IOException {
        String text = Files.readString(dockerfile).replace("\\\n", "");
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode();
        Map<String, String> env = new LinkedHashMap<>();
        boolean in = false;
        boolean found = false;
        for (String raw : text.lines().toList()) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher from = FROM.matcher(line);
            if (from.matches()) {
                in = stage.equals(from.group(1));
                found |= in;
                continue;
            }
            if (!in) {
                continue;
            }
            int sp = line.indexOf(' ');
            String op = line.substring(0, sp).toUpperCase();
            String arg = line.substring(sp + 1).strip();
            switch (op) {
                case "USER" -> config.put("User", arg);
                case "ENTRYPOINT", "CMD" -> {
                    JsonNode list = json.readTree(arg);
                    if (!list.isArray()) {
                        throw new IOException(dockerfile + ": " + op + " of stage " + stage + " is not in exec form");
                    }
                    config.set(op.equals("CMD") ? "Cmd" : "Entrypoint", list);
                }
                case "ENV" -> {
                    Matcher m = ENV.matcher(arg);
                    if (!m.matches()) {
                        throw new IOException(dockerfile + ": ENV of stage " + stage + " is not KEY=\"VALUE\": " + arg);
                    }
                    env.put(m.group(1), m.group(2));
                }
                default -> {
                    // RUN, COPY, EXPOSE...: what they make is assembled by the test itself.
                }
            }
        }
        if (!found) {
            throw new IOException(dockerfile + " has no stage " + stage);
        }
        List<String> envList = new ArrayList<>();
        envList.add("PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.forEach((k, v) -> envList.add(k + "=" + v));
        envList.forEach(config.putArray("Env")::add);
        return config;
    }
}
