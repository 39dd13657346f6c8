package dev.vigil.rules;

/**
 * The scanner under {@link ConditionParser}: it reads one token of the kind the parser asks for at
 * the current position (Falco's grammar is context dependent: a bare string and a field name overlap),
 * skipping blanks first. Not thread-safe; one per parse.
 */
final class ConditionLexer {
    private static final String[] SYMBOL_OPERATORS = {"==", "=", "!=", "<=", "<", ">=", ">"};
    private static final String[] WORD_OPERATORS = {
        "exists", "bcontains", "bstartswith", "contains", "endswith", "glob", "icontains", "iglob",
        "startswith", "regex", "intersects", "in", "pmatch"
    };

    private final String text;
    private int pos;

    ConditionLexer(String text) {
        this.text = text;
    }

    int position() {
        return pos;
    }

    boolean atEnd() {
        skipBlank();
        return pos >= text.length();
    }

    void skipBlank() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\b' || c == '\f') {
                pos++;
            } else {
                break;
            }
        }
    }

    /** Consumes {@code c} after blanks if it is next. */
    boolean trySymbol(char c) {
        skipBlank();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    boolean peekSymbol(char c) {
        skipBlank();
        return pos < text.length() && text.charAt(pos) == c;
    }

    /** Consumes a keyword ({@code and}, {@code not}, …) followed by a blank, '(' or the end. */
    boolean tryKeyword(String word) {
        skipBlank();
        if (!text.startsWith(word, pos)) {
            return false;
        }
        int end = pos + word.length();
        if (end < text.length()) {
            char c = text.charAt(end);
            if (isIdentChar(c) || c == '.' || c == '[') {
                return false;
            }
        }
        pos = end;
        return true;
    }

    /** Consumes a word immediately followed by '(' (a transformer or val), returning it, or null. */
    String tryCall(String... names) {
        skipBlank();
        for (String n : names) {
            int end = pos + n.length();
            if (text.startsWith(n, pos) && end < text.length() && text.charAt(end) == '(') {
                pos = end + 1;
                return n;
            }
        }
        return null;
    }

    /** An operator, symbolic or word, or null. */
    String tryOperator() {
        skipBlank();
        for (String op : SYMBOL_OPERATORS) {
            if (text.startsWith(op, pos)) {
                pos += op.length();
                return op;
            }
        }
        for (String op : WORD_OPERATORS) {
            if (tryKeyword(op)) {
                return op;
            }
        }
        return null;
    }

    /** {@code [a-zA-Z_][a-zA-Z0-9_.]*} or null (dots allowed: the parser tells fields from names). */
    String tryWord() {
        skipBlank();
        int start = pos;
        if (pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_')
                && text.charAt(pos) < 128) {
            pos++;
            while (pos < text.length() && (isIdentChar(text.charAt(pos)) || text.charAt(pos) == '.')) {
                pos++;
            }
            return text.substring(start, pos);
        }
        return null;
    }

    /** The inside of {@code [ … ]} after a field name, the '[' already consumed. */
    String readFieldArg() throws ConditionSyntaxException {
        if (pos < text.length() && (text.charAt(pos) == '"' || text.charAt(pos) == '\'')) {
            String s = readQuoted();
            expectRaw(']');
            return s;
        }
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '[' || c == '"' || c == '\'') {
                break;
            }
            pos++;
        }
        if (pos == start) {
            throw error("empty field argument");
        }
        String arg = text.substring(start, pos);
        expectRaw(']');
        return arg;
    }

    private void expectRaw(char c) throws ConditionSyntaxException {
        if (pos >= text.length() || text.charAt(pos) != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    boolean peekRaw(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    void advance() {
        pos++;
    }

    /** A quoted or bare string value, or null if neither starts here. */
    Ast.Scalar tryString() throws ConditionSyntaxException {
        skipBlank();
        if (pos >= text.length()) {
            return null;
        }
        char c = text.charAt(pos);
        if (c == '"' || c == '\'') {
            return new Ast.Scalar(readQuoted(), true);
        }
        int start = pos;
        while (pos < text.length() && isBareChar(text.charAt(pos))) {
            pos++;
        }
        return pos == start ? null : new Ast.Scalar(text.substring(start, pos), false);
    }

    /** A quoted string with backslash escapes; the opening quote is at the position. */
    String readQuoted() throws ConditionSyntaxException {
        char quote = text.charAt(pos);
        int startLine = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\\' && pos < text.length()) {
                char n = text.charAt(pos++);
                switch (n) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case '\\', '"', '\'', '/' -> sb.append(n);
                    default -> sb.append('\\').append(n);
                }
            } else {
                sb.append(c);
            }
        }
        pos = startLine;
        throw error("unterminated quoted string");
    }

    static boolean isIdentChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_');
    }

    private static boolean isBareChar(char c) {
        return !(c == ' ' || c == '\b' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '('
            || c == ')' || c == ',' || c == '=' || c == '"' || c == '\'');
    }

    ConditionSyntaxException error(String reason) {
        return errorAt(pos, reason);
    }

    ConditionSyntaxException errorAt(int at, String reason) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new ConditionSyntaxException(reason, line, col);
    }

    int[] lineColumn(int at) {
        ConditionSyntaxException e = errorAt(at, "");
        return new int[] {e.line(), e.column()};
    }
}
