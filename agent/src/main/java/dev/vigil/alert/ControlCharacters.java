package dev.vigil.alert;

/**
 * The characters an alert body must never carry raw, whatever its format: every C0 control
 * (U+0000–U+001F, with NUL, ESC, CR, LF, TAB), DEL (U+007F), every C1 control (U+0080–U+009F, with
 * NEL U+0085), the line and paragraph separators (U+2028, U+2029) and the bidirectional embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069). A process in a container chooses its
 * command line, file names and process name; raw, these would end a syslog line early, drive a
 * terminal that shows the log, split a JSON-lines reader that breaks at U+2028, or reorder what an
 * analyst reads (issue 16, finding 9). Thread-safe (stateless).
 */
final class ControlCharacters {
    private ControlCharacters() {
    }

    static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029
            || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }

    /**
     * A printable stand-in for a control character, for formats with no escape for it (CEF): the
     * Unicode control picture of a C0 control or DEL ({@code ␀ ␛ ␡}: still readable as what it was),
     * else U+FFFD.
     */
    static char picture(char c) {
        if (c < 0x20) {
            return (char) (0x2400 + c);
        }
        return c == 0x7F ? '\u2421' : '\uFFFD';
    }
}
