package dev.vigil.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command to its end for a test harness, with a deadline (the process tree is killed past it),
 * and returns its exit code and its output (stdout and stderr together). Stateless; thread-safe.
 */
public final class Command {
    private Command() {
    }

    /** Exit code and combined output; {@code exit} is -1 when the deadline killed it. */
    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }

        /** The output, stripped; throws with the command's output when it failed. */
        public String orThrow(List<String> argv) throws IOException {
            if (!ok()) {
                throw new IOException(String.join(" ", argv) + " exited " + exit + ": " + output.strip());
            }
            return output.strip();
        }
    }

    public static Result run(List<String> argv, long timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            // Output is small (ids, versions, errors); reading it after the wait cannot block the child
            // for long, but a reader thread keeps a chatty one from filling the pipe.
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    out.append("(output lost: ").append(e.getMessage()).append(')');
                }
            }, "command-output");
            reader.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(2_000);
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + out);
            }
            reader.join(5_000);
            return new Result(p.exitValue(), out.toString());
        } catch (IOException e) {
            return new Result(-1, "cannot run " + argv.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
