package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CapsCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new CapsCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void decodesDockersDefaultSetOnePerLine() {
        assertEquals(0, run("decode", "0x00000000a80425fb"));
        String[] lines = out.toString().split("\n");
        assertEquals(14, lines.length);
        assertEquals("CAP_CHOWN", lines[0]);
        assertEquals("CAP_SETPCAP", lines[7]);
        assertEquals("CAP_NET_RAW", lines[9]);
        assertEquals("CAP_SETFCAP", lines[13]);
    }

    @Test
    void decodesWithoutPrefix() {
        assertEquals(0, run("decode", "200000"));
        assertEquals("CAP_SYS_ADMIN\n", out.toString().replace("\r", ""));
    }

    @Test
    void encodesNames() {
        assertEquals(0, run("encode", "CAP_SYS_ADMIN", "CAP_NET_RAW"));
        assertEquals("0x0000000000202000\n", out.toString().replace("\r", ""));
    }

    @Test
    void encodeAcceptsShortLowerCaseNamesAndNumbers() {
        assertEquals(0, run("encode", "sys_admin", "13"));
        assertEquals("0x0000000000202000\n", out.toString().replace("\r", ""));
    }

    @Test
    void roundTripsTheFullSet() {
        assertEquals(0, run("decode", "0x000001ffffffffff"));
        String names = out.toString().trim().replace('\n', ' ');
        StringWriter again = new StringWriter();
        CommandLine cl = new CommandLine(new CapsCommand());
        cl.setOut(new PrintWriter(again));
        assertEquals(0, cl.execute(("encode " + names).split(" ")));
        assertEquals("0x000001ffffffffff", again.toString().trim());
    }

    @Test
    void badInputExitsTwoWithAMessage() {
        assertEquals(2, run("decode", "0xZZZ"));
        assertTrue(err.toString().contains("not a capability mask: '0xZZZ'"), err.toString());
        assertEquals(2, run("encode", "CAP_FLY"));
        assertTrue(err.toString().contains("unknown capability: 'CAP_FLY'"), err.toString());
        assertEquals(2, run("decode", "0x1234567890abcdef0"));
        assertEquals(2, run());
    }
}
