package dev.vigil.config;

import java.util.List;

/**
 * Who the agent runs as once it has started the sensor, when it was started as root (issue 16,
 * finding 6): dropping every capability leaves uid 0, to which root-owned files stay writable.
 *
 * @param user                the user to switch to: a name from {@code /etc/passwd} or a numeric uid
 *                            (its group from {@code /etc/passwd}, else the same number); the default
 *                            {@code vigil} falls back to 65534 ({@code nobody}) where no such user exists;
 *                            {@code root} or {@code 0} keeps uid 0 (not recommended)
 * @param runtimeSocketGroups keep as supplementary groups the groups of the configured runtime sockets
 *                            that exist and let their group read and write (container identity needs
 *                            them); gid 0 among them is kept with a warning
 */
public record ProcessConfig(String user, Boolean runtimeSocketGroups) {
    /** A dedicated account where the operator made one; else {@link #NOBODY}. */
    public static final String DEFAULT_USER = "vigil";
    /** The overflow uid: owns nothing on a normal system. */
    public static final int NOBODY = 65534;
    public static final boolean DEFAULT_RUNTIME_SOCKET_GROUPS = true;

    public ProcessConfig {
        user = user != null ? user : DEFAULT_USER;
        runtimeSocketGroups = runtimeSocketGroups != null ? runtimeSocketGroups : DEFAULT_RUNTIME_SOCKET_GROUPS;
    }

    public static ProcessConfig defaults() {
        return new ProcessConfig(null, null);
    }

    void validate(List<String> errors) {
        if (user.isBlank() || user.chars().anyMatch(ch -> ch == ':' || Character.isWhitespace(ch))) {
            errors.add("process.user must be a user name or a numeric uid, got '" + user + "'");
        } else if (user.chars().allMatch(Character::isDigit) && user.length() > 10) {
            errors.add("process.user: uid out of range: " + user);
        }
    }
}
