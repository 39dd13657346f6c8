package dev.vigil.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.vigil.testing.Integration;
import dev.vigil.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart (deploy/helm/vigil), through Helm's own library (helm-java, no helm binary): it
 * lints clean; its default render equals the kustomize manifests (deploy/test/chart_matches_kustomize.py);
 * and every render — the defaults and each toggle of values.yaml — passes the privilege policy that
 * guards deploy/ (deploy/test/check_manifests.py, with its mutations), the structural checks
 * (check_structure.py) and {@code promtool check rules} on its PrometheusRule.
 *
 * <p>Needs python3 with PyYAML and promtool (Debian: python3-yaml, prometheus); skips without them,
 * fails instead under VIGIL_REQUIRE_INTEGRATION=1.
 */
class HelmChartIT {
    private static final Path CHART = Repo.root().resolve("deploy/helm/vigil");
    private static final Path DEPLOY = Repo.root().resolve("deploy");
    private static final Path TESTS = DEPLOY.resolve("test");
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path tmp;

    /** Every test but the lint: each is reported skipped, with the reason, where a tool is missing. */
    private static void requireTools() throws Exception {
        boolean yaml = Integration.onPath("python3") && exec(List.of("python3", "-c", "import yaml"), Path.of(".")).code == 0;
        Integration.requireOrSkip(yaml, "python3 with PyYAML (apt-get install python3-yaml)");
        Integration.requireOrSkip(Integration.onPath("promtool"), "promtool (apt-get install prometheus)");
    }

    /** Each toggle of values.yaml, as --set pairs; "defaults" sets nothing. */
    static Stream<Arguments> renders() {
        return Stream.of(
            toggle("defaults"),
            toggle("namespace created", "namespace.create", true),
            toggle("no ServiceMonitor", "serviceMonitor.enabled", false, "serviceMonitor.labels.release", "x"),
            toggle("no PrometheusRule", "prometheusRule.enabled", false),
            toggle("PrometheusRule selected by release", "prometheusRule.labels.release", "prom"),
            toggle("Grafana dashboard", "grafanaDashboard.enabled", true, "grafanaDashboard.folder", "Security"),
            toggle("stdout off, syslog over TLS with a CA from the Secret", "outputs.stdout.enabled", false,
                "outputs.syslog.enabled", true, "outputs.syslog.caFileKey", "syslog-ca.pem",
                "outputs.secret.name", "vigil-outputs"),
            toggle("webhook", "outputs.webhook.enabled", true),
            toggle("webhook with its URL from the Secret", "outputs.webhook.enabled", true,
                "outputs.webhook.url", "https://hooks.example/services/T0/s3cret",
                "outputs.webhook.urlFileKey", "webhook-url", "outputs.secret.name", "vigil-outputs"),
            toggle("Kafka with SASL from the Secret", "outputs.kafka.enabled", true,
                "outputs.kafka.properties.security\\.protocol", "SASL_SSL",
                "outputs.kafka.jaasFileKey", "kafka_jaas.conf", "outputs.secret.name", "vigil-outputs"),
            toggle("a second rule file", "customRules.rules-extra\\.yaml", "[]"),
            toggle("a baseline seed", "baselineSeeds.system-images\\.json", "{}"),
            toggle("scheduling", "priorityClassName", "", "nodeSelector.kubernetes\\.io/os", "linux",
                "tolerations", "null"),
            toggle("images", "image.agent.repository", "registry.example/vigil-agent", "image.agent.tag", "1.2.3",
                "image.agent.pullPolicy", "Always", "image.sensor.pullPolicy", "IfNotPresent",
                "imagePullSecrets[0].name", "regcred"),
            toggle("runtime socket group and sources", "runtime.socketGroup", 10042, "runtime.sources", "{containerd}"),
            toggle("metrics port", "metricsPort", 9400));
    }

    private static Arguments toggle(String name, Object... pairs) {
        Map<String, Object> set = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            set.put((String) pairs[i], pairs[i + 1]);
        }
        return Arguments.of(name, set);
    }

    @Test
    void lintsClean() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertFalse(lint.isFailed(), "helm lint --strict: " + lint.getMessages());
        // [INFO] Chart.yaml: icon is recommended (no icon) is the only message allowed.
        assertEquals(List.of(), lint.getMessages().stream().filter(m -> !m.startsWith("[INFO]")).toList(),
            "helm lint --strict");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renders")
    void everyRenderPassesThePolicyStructureAndPromtool(String name, Map<String, Object> set) throws Exception {
        requireTools();
        Path rendered = render(CHART, set);
        assertPasses(List.of("python3", TESTS.resolve("check_manifests.py").toString(), rendered.toString()));
        assertPasses(List.of("python3", TESTS.resolve("check_structure.py").toString(), rendered.toString()));
        List<JsonNode> docs = documents(rendered);
        JsonNode rule = find(docs, "PrometheusRule");
        if (rule != null) {
            Path rules = tmp.resolve("rules.yaml");
            YAML.writeValue(rules.toFile(), Map.of("groups", rule.path("spec").path("groups")));
            assertPasses(List.of("promtool", "check", "rules", rules.toString()));
        }
        assertEquals(!Boolean.FALSE.equals(set.get("prometheusRule.enabled")), rule != null, "PrometheusRule toggle");
        assertEquals(!Boolean.FALSE.equals(set.get("serviceMonitor.enabled")), find(docs, "ServiceMonitor") != null,
            "ServiceMonitor toggle");
        JsonNode dashboard = docs.stream()
            .filter(d -> d.path("metadata").path("name").asText().endsWith("-dashboard")).findFirst().orElse(null);
        assertEquals(Boolean.TRUE.equals(set.get("grafanaDashboard.enabled")), dashboard != null, "dashboard toggle");
        if (dashboard != null) {
            ObjectMapper json = new ObjectMapper();
            assertEquals(json.readTree(DEPLOY.resolve("grafana/vigil-dashboard.json").toFile()),
                json.readTree(dashboard.path("data").path("vigil-dashboard.json").asText()),
                "the dashboard ConfigMap holds deploy/grafana/vigil-dashboard.json");
            assertEquals("1", dashboard.path("metadata").path("labels").path("grafana_dashboard").asText());
        }
        JsonNode config = YAML.readTree(find(docs, "ConfigMap").path("data").path("config.yaml").asText());
        String pod = find(docs, "DaemonSet").path("spec").path("template").path("spec").toString();
        if (set.containsKey("outputs.secret.name")) {
            assertTrue(pod.contains("\"secretName\":\"vigil-outputs\""), "the outputs' Secret is mounted: " + pod);
            assertTrue(config.toString().contains("/etc/vigil-secrets/") || pod.contains("/etc/vigil-secrets/kafka_jaas.conf"),
                "the config or the JVM names the Secret's files");
        }
        List<String> types = new ArrayList<>();
        config.path("outputs").forEach(o -> types.add(o.path("type").asText()));
        for (var output : Map.of("stdout", "stdout", "syslog", "syslog", "webhook", "http", "kafka", "kafka").entrySet()) {
            Object enabled = set.get("outputs." + output.getKey() + ".enabled");
            boolean expected = enabled == null ? "stdout".equals(output.getKey()) : (Boolean) enabled;
            assertEquals(expected, types.contains(output.getValue()), output.getKey() + " toggle: outputs " + types);
        }
        assertFalse(find(docs, "ConfigMap").toString().contains("password"), "no credential in the ConfigMap");
        if (set.containsKey("outputs.webhook.urlFileKey")) {
            assertFalse(find(docs, "ConfigMap").toString().contains("s3cret"), "the webhook's URL is not in the ConfigMap");
            assertTrue(config.toString().contains("\"urlFile\":\"/etc/vigil-secrets/webhook-url\""), config.toString());
        }
    }

    @Test
    void defaultRenderEqualsTheKustomizeManifests() throws Exception {
        requireTools();
        Path rendered = render(CHART, Map.of());
        assertPasses(List.of("python3", TESTS.resolve("chart_matches_kustomize.py").toString(),
            rendered.toString(), DEPLOY.toString()));
        // With the Namespace rendered, it is compared too (its Pod Security label).
        assertPasses(List.of("python3", TESTS.resolve("chart_matches_kustomize.py").toString(),
            render(CHART, Map.of("namespace.create", true)).toString(), DEPLOY.toString()));
    }

    /** The comparison is not vacuous: a value that moves the chart away from deploy/ is reported. */
    @Test
    void aDriftFromTheKustomizeManifestsIsCaught() throws Exception {
        requireTools();
        Result r = exec(List.of("python3", TESTS.resolve("chart_matches_kustomize.py").toString(),
            render(CHART, Map.of("agent.resources.limits.memory", "512Mi")).toString(), DEPLOY.toString()), TESTS);
        assertNotEquals(0, r.code, r.out);
        assertTrue(r.out.contains("limits.memory: deploy/ has '448Mi', the chart '512Mi'"), r.out);
    }

    /** The policy check is not vacuous on the chart: a template that makes the sensor privileged fails it. */
    @Test
    void aPrivilegedSensorInTheTemplateFailsThePolicy() throws Exception {
        requireTools();
        Path copy = tmp.resolve("vigil");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path f : files.toList()) {
                Path to = copy.resolve(CHART.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to); // follows the links to deploy/'s rules and dashboard
                }
            }
        }
        Path ds = copy.resolve("templates/daemonset.yaml");
        String text = Files.readString(ds);
        String sensor = text.substring(text.indexOf("- name: sensor"));
        String broken = text.replace(sensor, sensor.replaceFirst("privileged: false", "privileged: true"));
        assertNotEquals(text, broken);
        Files.writeString(ds, broken);
        Result r = exec(List.of("python3", TESTS.resolve("check_manifests.py").toString(),
            render(copy, Map.of()).toString()), TESTS);
        assertNotEquals(0, r.code, r.out);
        assertTrue(r.out.contains("container sensor: privileged: true"), r.out);
    }

    private Path render(Path chart, Map<String, Object> set) throws IOException {
        TemplateCommand t = new Helm(chart).template().withName("vigil").withNamespace("vigil");
        for (Map.Entry<String, Object> e : set.entrySet()) {
            t = t.set(e.getKey(), e.getValue());
        }
        Path out = Files.createTempFile(tmp, "render", ".yaml");
        Files.writeString(out, t.call());
        return out;
    }

    private static List<JsonNode> documents(Path rendered) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readValues(YAML.createParser(rendered.toFile()), JsonNode.class)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    private static JsonNode find(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).findFirst().orElse(null);
    }

    private record Result(int code, String out) {
    }

    private static Result exec(List<String> command, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    private static void assertPasses(List<String> command) throws IOException, InterruptedException {
        Result r = exec(command, TESTS);
        assertEquals(0, r.code, String.join(" ", command) + ":\n" + r.out);
    }
}
