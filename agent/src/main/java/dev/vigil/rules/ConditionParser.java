package dev.vigil.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a Falco condition into an {@link Ast}. One method per production of the grammar (after
 * libsinsp's {@code filter/parser.h}); {@link #parse} starts at {@code Expr}, {@link #parseField} at
 * {@code FieldValue} (a field named alone, as in exceptions and Vigil's {@code aggregate.by} and
 * {@code baseline.key}):
 *
 * <pre>
 * Expr        ::= OrExpr
 * FieldValue  ::= Field | FieldTransformer
 * OrExpr      ::= AndExpr ('or' AndExpr)*
 * AndExpr     ::= NotExpr ('and' NotExpr)*
 * NotExpr     ::= ('not ')* NotExprTail
 * NotExprTail ::= 'not(' Expr ')' | Check
 * Check       ::= Field Condition | FieldTransformer Condition | Identifier | '(' Expr ')'
 * Condition   ::= UnaryOperator
 *               | NumOperator (NumValue | FieldTransformerOrVal)
 *               | StrOperator (StrValue | FieldTransformerOrVal)
 *               | StrOperator StrOperatorModifier ListValue
 *               | ListOperator (ListValue | FieldTransformerOrVal)
 * ListValue   ::= '(' (StrValue (',' StrValue)*)? ')' | Identifier
 * Field       ::= FieldName ('[' FieldArg ']')?
 * FieldArg    ::= QuotedStr | FieldArgBareStr
 * FieldTransformer      ::= FieldTransformerType (Field | FieldTransformer) (',' …)* ')'
 * FieldTransformerOrVal ::= 'val(' Field ')' | FieldTransformer
 * UnaryOperator ::= 'exists'
 * NumOperator   ::= '&lt;=' | '&lt;' | '>=' | '>'
 * StrOperator   ::= '==' | '=' | '!=' | 'bcontains' | 'bstartswith' | 'contains' | 'endswith'
 *                 | 'glob' | 'icontains' | 'iglob' | 'startswith' | 'regex'
 * StrOperatorModifier ::= 'oneof' | 'anyof' | 'allof'
 * ListOperator  ::= 'in' | 'intersects' | 'pmatch'
 * FieldTransformerType ::= 'tolower(' | 'toupper(' | 'b64(' | 'basename(' | 'len(' | 'join('
 *                        | 'concat(' | 'getopt('
 * FieldName   ::= [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+
 * Identifier  ::= [a-zA-Z]+[a-zA-Z0-9_]*
 * QuotedStr   ::= "(?:\\"|.)*?" | '(?:\\'|.)*?'
 * BareStr     ::= [^ \b\t\n\r\(\),="']+
 * FieldArgBareStr ::= [^ \b\t\n\r\[\]"']+
 * </pre>
 *
 * Precedence is {@code not} > {@code and} > {@code or}. Nesting (parentheses, {@code not(},
 * transformers) is limited to {@link #MAX_DEPTH} levels to bound the stack. Every error is a
 * {@link ConditionSyntaxException} with the line and column in the condition. Not thread-safe; one
 * instance per condition.
 */
public final class ConditionParser {
    public static final int MAX_DEPTH = 100;

    static final String[] TRANSFORMERS = {"tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"};
    private static final String[] MODIFIERS = {"oneof", "anyof", "allof"};

    private final ConditionLexer lex;
    private int depth;

    private ConditionParser(String text) {
        this.lex = new ConditionLexer(text);
    }

    /** Parses a whole condition. */
    public static Ast parse(String condition) throws ConditionSyntaxException {
        ConditionParser p = new ConditionParser(condition);
        Ast ast = p.parseExpr();
        if (!p.lex.atEnd()) {
            throw p.lex.error("expected 'and', 'or' or the end of the condition");
        }
        return ast;
    }

    /**
     * Parses a field or a transformer over one, alone: the whole text must be that ({@code FieldValue}),
     * e.g. {@code proc.name}, {@code proc.aname[2]}, {@code tolower(proc.name)}.
     */
    public static Ast.Value parseField(String field) throws ConditionSyntaxException {
        ConditionParser p = new ConditionParser(field);
        Ast.Value v = p.parseField();
        if (!p.lex.atEnd()) {
            throw p.lex.error("expected the end of the field");
        }
        return v;
    }

    private Ast parseExpr() throws ConditionSyntaxException {
        if (++depth > MAX_DEPTH) {
            throw lex.error("nesting deeper than " + MAX_DEPTH);
        }
        Ast a = parseOr();
        depth--;
        return a;
    }

    private Ast parseOr() throws ConditionSyntaxException {
        Ast first = parseAnd();
        if (!lex.tryKeyword("or")) {
            return first;
        }
        List<Ast> children = new ArrayList<>();
        children.add(first);
        do {
            children.add(parseAnd());
        } while (lex.tryKeyword("or"));
        return new Ast.Or(List.copyOf(children));
    }

    private Ast parseAnd() throws ConditionSyntaxException {
        Ast first = parseNot();
        if (!lex.tryKeyword("and")) {
            return first;
        }
        List<Ast> children = new ArrayList<>();
        children.add(first);
        do {
            children.add(parseNot());
        } while (lex.tryKeyword("and"));
        return new Ast.And(List.copyOf(children));
    }

    private Ast parseNot() throws ConditionSyntaxException {
        int nots = 0;
        while (lex.tryKeyword("not")) {
            nots++;
        }
        Ast a = parseNotTail();
        return nots % 2 == 0 ? (nots == 0 ? a : new Ast.Not(new Ast.Not(a))) : new Ast.Not(a);
    }

    private Ast parseNotTail() throws ConditionSyntaxException {
        return parseCheck();
    }

    private Ast parseCheck() throws ConditionSyntaxException {
        int at = lex.position();
        lex.skipBlank();
        at = lex.position();
        if (lex.trySymbol('(')) {
            Ast inner = parseExpr();
            if (!lex.trySymbol(')')) {
                throw lex.error("expected ')'");
            }
            return inner;
        }
        String fn = lex.tryCall(TRANSFORMERS);
        if (fn != null) {
            Ast.Value v = parseTransformerTail(fn);
            return parseCondition(v, at);
        }
        String word = lex.tryWord();
        if (word == null) {
            throw lex.atEnd() ? lex.error("unexpected end of condition") : lex.error("expected a field, a macro or '('");
        }
        if (word.indexOf('.') < 0) {
            int[] lc = lex.lineColumn(at);
            return new Ast.MacroRef(word, lc[0], lc[1]);
        }
        return parseCondition(parseFieldTail(word, at), at);
    }

    private Ast.FieldRef parseFieldTail(String name, int at) throws ConditionSyntaxException {
        for (String seg : name.split("\\.", -1)) {
            if (seg.isEmpty() || !Character.isLetter(seg.charAt(0))) {
                throw lex.errorAt(at, "invalid field name '" + name + "'");
            }
        }
        String arg = null;
        if (lex.peekRaw('[')) {
            lex.advance();
            arg = lex.readFieldArg();
        }
        return new Ast.FieldRef(name, arg);
    }

    /** {@code FieldValue ::= Field | FieldTransformer}. */
    private Ast.Value parseField() throws ConditionSyntaxException {
        lex.skipBlank();
        int at = lex.position();
        String fn = lex.tryCall(TRANSFORMERS);
        if (fn != null) {
            return parseTransformerTail(fn);
        }
        String word = lex.tryWord();
        if (word == null || word.indexOf('.') < 0) {
            throw lex.errorAt(at, "expected a field");
        }
        return parseFieldTail(word, at);
    }

    /** After {@code fn(}: the argument(s) and ')'. */
    private Ast.Value parseTransformerTail(String fn) throws ConditionSyntaxException {
        if (++depth > MAX_DEPTH) {
            throw lex.error("nesting deeper than " + MAX_DEPTH);
        }
        Ast.Value inner = parseField();
        while (lex.trySymbol(',')) {
            if (lex.peekSymbol('"') || lex.peekSymbol('\'')) {
                lex.tryString();
            } else {
                parseField();
            }
        }
        if (!lex.trySymbol(')')) {
            throw lex.error("expected ')' after the argument of " + fn);
        }
        depth--;
        return new Ast.Transform(fn, inner);
    }

    private Ast parseCondition(Ast.Value field, int at) throws ConditionSyntaxException {
        int[] lc = lex.lineColumn(at);
        String op = lex.tryOperator();
        if (op == null) {
            throw lex.error("expected an operator");
        }
        switch (op) {
            case "exists":
                return new Ast.Compare(field, op, null, null, lc[0], lc[1]);
            case "in", "intersects", "pmatch": {
                Ast.Operand rhs = tryFieldOperand();
                return new Ast.Compare(field, op, null, rhs != null ? rhs : parseListValue(), lc[0], lc[1]);
            }
            default: {
                for (String m : MODIFIERS) {
                    if (lex.tryKeyword(m)) {
                        return new Ast.Compare(field, op, m, parseListValue(), lc[0], lc[1]);
                    }
                }
                Ast.Operand rhs = tryFieldOperand();
                if (rhs == null) {
                    rhs = lex.tryString();
                    if (rhs == null) {
                        throw lex.error("expected a value after '" + op + "'");
                    }
                }
                return new Ast.Compare(field, op, null, rhs, lc[0], lc[1]);
            }
        }
    }

    private Ast.Operand tryFieldOperand() throws ConditionSyntaxException {
        if (lex.tryCall("val") != null) {
            if (++depth > MAX_DEPTH) {
                throw lex.error("nesting deeper than " + MAX_DEPTH);
            }
            Ast.Value v = parseField();
            if (!lex.trySymbol(')')) {
                throw lex.error("expected ')' after val(");
            }
            depth--;
            return new Ast.FieldOperand(v);
        }
        String fn = lex.tryCall(TRANSFORMERS);
        if (fn != null) {
            return new Ast.FieldOperand(parseTransformerTail(fn));
        }
        return null;
    }

    private Ast.Operand parseListValue() throws ConditionSyntaxException {
        if (lex.trySymbol('(')) {
            List<Ast.Scalar> items = new ArrayList<>();
            if (lex.trySymbol(')')) {
                return new Ast.ListValue(List.of());
            }
            do {
                Ast.Scalar s = lex.tryString();
                if (s == null) {
                    throw lex.error("expected a list item");
                }
                items.add(s);
            } while (lex.trySymbol(','));
            if (!lex.trySymbol(')')) {
                throw lex.error("expected ',' or ')' in list");
            }
            return new Ast.ListValue(List.copyOf(items));
        }
        String name = lex.tryWord();
        if (name == null) {
            throw lex.error("expected a list: '(' or a list name");
        }
        return new Ast.ListValue(List.of(new Ast.Scalar(name, false)));
    }
}
