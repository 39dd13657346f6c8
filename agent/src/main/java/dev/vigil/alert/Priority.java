package dev.vigil.alert;

import java.util.Locale;

/** Falco's eight priorities, most severe first. */
public enum Priority {
    EMERGENCY("Emergency"), ALERT("Alert"), CRITICAL("Critical"), ERROR("Error"), WARNING("Warning"),
    NOTICE("Notice"), INFORMATIONAL("Informational"), DEBUG("Debug");

    private final String display;

    Priority(String display) {
        this.display = display;
    }

    /** As Falco writes it in JSON: {@code Warning}. */
    public String display() {
        return display;
    }

    /** At least as severe as {@code min}. */
    public boolean atLeast(Priority min) {
        return ordinal() <= min.ordinal();
    }

    /** Parses Falco's names, case-insensitively, with {@code info} for informational. */
    public static Priority parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT);
        if (n.equals("INFO")) {
            return INFORMATIONAL;
        }
        return Priority.valueOf(n);
    }
}
