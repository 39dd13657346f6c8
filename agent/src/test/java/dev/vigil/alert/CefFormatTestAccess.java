package dev.vigil.alert;

import java.util.Map;

/** Lets tests of other packages use the spec parser of {@link CefFormatTest}. */
public final class CefFormatTestAccess {
    private CefFormatTestAccess() {
    }

    public static Map<String, String> parse(String line) {
        return CefFormatTest.parse(line).ext();
    }
}
