package dev.vigil.rules;

/** A numeric comparison with its constant(s); allocation-free. */
@FunctionalInterface
interface NumberOp {
    boolean test(long v);

    static NumberOp compare(String op, long c) {
        return switch (op) {
            case "=", "==" -> v -> v == c;
            case "!=" -> v -> v != c;
            case "<" -> v -> v < c;
            case "<=" -> v -> v <= c;
            case ">" -> v -> v > c;
            case ">=" -> v -> v >= c;
            default -> throw new IllegalArgumentException(op);
        };
    }

    static boolean compare(String op, long a, long b) {
        return switch (op) {
            case "=", "==" -> a == b;
            case "!=" -> a != b;
            case "<" -> a < b;
            case "<=" -> a <= b;
            case ">" -> a > b;
            case ">=" -> a >= b;
            default -> false;
        };
    }

    static NumberOp in(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return v -> java.util.Arrays.binarySearch(sorted, v) >= 0;
    }
}
