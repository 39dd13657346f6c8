package dev.vigil.ingest;

/** Parses RFC 3339 timestamps ({@code 2026-11-22T12:00:00.123456789Z}) to ns since the epoch, without allocating. */
final class EventTime {
    private EventTime() {
    }

    static final long INVALID = Long.MIN_VALUE;

    static long parseRfc3339(char[] a, int off, int len) {
        // yyyy-mm-ddThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)
        if (len < 20) {
            return INVALID;
        }
        int p = off;
        int end = off + len;
        long year = digits(a, p, 4);
        if (year < 0 || a[p + 4] != '-') {
            return INVALID;
        }
        long month = digits(a, p + 5, 2);
        if (month < 1 || month > 12 || a[p + 7] != '-') {
            return INVALID;
        }
        long day = digits(a, p + 8, 2);
        char t = a[p + 10];
        if (day < 1 || day > 31 || (t != 'T' && t != 't' && t != ' ')) {
            return INVALID;
        }
        long hour = digits(a, p + 11, 2);
        long min = digits(a, p + 14, 2);
        long sec = digits(a, p + 17, 2);
        if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60
            || a[p + 13] != ':' || a[p + 16] != ':') {
            return INVALID;
        }
        p += 19;
        long nanos = 0;
        if (p < end && a[p] == '.') {
            p++;
            int digits = 0;
            while (p < end && a[p] >= '0' && a[p] <= '9') {
                if (digits < 9) {
                    nanos = nanos * 10 + (a[p] - '0');
                }
                digits++;
                p++;
            }
            if (digits == 0) {
                return INVALID;
            }
            for (int i = digits; i < 9; i++) {
                nanos *= 10;
            }
        }
        if (p >= end) {
            return INVALID;
        }
        long offsetSeconds;
        if ((a[p] == 'Z' || a[p] == 'z') && p + 1 == end) {
            offsetSeconds = 0;
        } else if ((a[p] == '+' || a[p] == '-') && p + 6 == end && a[p + 3] == ':') {
            long oh = digits(a, p + 1, 2);
            long om = digits(a, p + 4, 2);
            if (oh < 0 || om < 0) {
                return INVALID;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (a[p] == '-' ? -1 : 1);
        } else {
            return INVALID;
        }
        long days = daysFromCivil(year, month, day);
        long seconds = days * 86400 + hour * 3600 + min * 60 + sec - offsetSeconds;
        return seconds * 1_000_000_000L + nanos;
    }

    private static long digits(char[] a, int p, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = a[p + i];
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    private static long daysFromCivil(long y, long m, long d) {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
