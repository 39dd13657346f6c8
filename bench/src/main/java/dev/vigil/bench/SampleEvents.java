package dev.vigil.bench;

import java.nio.charset.StandardCharsets;

/** Typical event lines for the benchmarks: what the sensor sends, about 300 bytes each. */
public final class SampleEvents {
    private SampleEvents() {
    }

    /** A socket event from a container, every common field present. */
    public static final String SOCKET = "{\"evt.type\":\"socket\",\"evt.rawtime\":1795000151000002000,\"evt.res\":3,"
        + "\"proc.pid\":4242,\"proc.ppid\":4200,\"proc.name\":\"tcpdump\",\"proc.exepath\":\"/usr/bin/tcpdump\","
        + "\"user.uid\":0,\"container.id\":\"de6b9f00ba11\",\"thread.cap_effective\":\"0x00000000a80425fb\","
        + "\"evt.arg.domain\":17,\"evt.arg.type\":3,\"evt.arg.proto\":768}";

    /** An execve with a command line. */
    public static final String EXECVE = "{\"evt.type\":\"execve\",\"evt.rawtime\":1795000151000003000,\"evt.res\":0,"
        + "\"proc.pid\":5151,\"proc.ppid\":4242,\"proc.name\":\"curl\",\"proc.exepath\":\"/usr/bin/curl\","
        + "\"proc.cmdline\":\"curl -s http://10.0.0.1:8080/health\",\"user.uid\":1000,"
        + "\"container.id\":\"de6b9f00ba11\",\"thread.cap_effective\":\"0x00000000a80425fb\"}";

    public static byte[] line(String json) {
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
