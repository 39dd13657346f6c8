package dev.vigil.cli;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vigil caps decode MASK} prints the capability names of a mask, one per line, lowest bit
 * first (bits beyond the known table print as {@code CAP_<n>}); the mask is hex with or without
 * {@code 0x}, as in /proc/PID/status. {@code vigil caps encode NAME…} prints the mask of the names
 * ({@code CAP_SYS_ADMIN}, {@code sys_admin} or a number), as {@code 0x} and 16 hex digits.
 * Bad input: a message on stderr and exit code 2 (picocli's usage error).
 */
@Command(name = "caps", mixinStandardHelpOptions = true,
    description = "Capability masks to names and back.",
    subcommands = {CapsCommand.Decode.class, CapsCommand.Encode.class})
public final class CapsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: decode MASK or encode NAME...");
    }

    @Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Print the capability names in MASK, one per line (e.g. 0x00000000a80425fb or a80425fb).")
    static final class Decode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "MASK", description = "hex mask, with or without 0x")
        String mask;

        @Override
        public Integer call() {
            String m = mask.trim();
            String digits = m.startsWith("0x") || m.startsWith("0X") ? m.substring(2) : m;
            long value = digits.isEmpty() ? Chars.NOT_A_NUMBER : Chars.parseHex(digits.toCharArray(), 0, digits.length());
            if (value == Chars.NOT_A_NUMBER && !digits.equalsIgnoreCase("8000000000000000")) {
                throw new ParameterException(spec.commandLine(),
                    "not a capability mask: '" + mask + "' (expected up to 16 hex digits, e.g. 0x00000000a80425fb)");
            }
            PrintWriter out = spec.commandLine().getOut();
            for (int i = 0; i < 64; i++) {
                if ((value & (1L << i)) != 0) {
                    out.println(Capabilities.name(i));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Print the mask of the capability NAMEs (e.g. CAP_SYS_ADMIN CAP_NET_RAW) as 0x and 16 hex digits.")
    static final class Encode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", arity = "1..*", description = "CAP_SYS_ADMIN, SYS_ADMIN or a number 0-63")
        List<String> names;

        @Override
        public Integer call() {
            long mask = 0;
            for (String raw : names) {
                for (String name : raw.split("[\\s,|]+")) {
                    if (name.isEmpty()) {
                        continue;
                    }
                    mask |= 1L << number(name);
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(Capabilities.hex(mask));
            out.flush();
            return 0;
        }

        private int number(String name) {
            if (name.chars().allMatch(Character::isDigit) && name.length() <= 2) {
                int n = Integer.parseInt(name);
                if (n < 64) {
                    return n;
                }
            }
            int n = Capabilities.number(name.toUpperCase(Locale.ROOT));
            if (n < 0) {
                throw new ParameterException(spec.commandLine(), "unknown capability: '" + name + "'");
            }
            return n;
        }
    }
}
