package integration

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError is a War Room command line that cannot be parsed. Col is the 1-based
// column (in runes) where the problem starts.
type SyntaxError struct {
	Col int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("command line, column %d: %s", e.Col, e.Msg)
}

// ParseWarRoom parses a War Room command line such as
//
//	!o365-auditlog-search start_date="3 days" result_size=5 free_text='a b' x="say \"hi\""
//
// into the command name (without "!") and its arguments. Values are bare (up to the next
// space), double-quoted (backslash escapes `"` and `\`; any other backslash stays) or
// single-quoted (no escapes). An argument given twice is an error rather than a silent
// choice.
func ParseWarRoom(line string) (string, map[string]string, error) {
	p := &wrParser{s: line}
	p.skipSpace()
	if !p.eat('!') {
		return "", nil, p.errorf("a command line starts with \"!\", as in !o365-auditlog-search")
	}
	start := p.i
	for p.i < len(p.s) && !p.isSpace() {
		if c := p.s[p.i]; c == '=' || c == '"' || c == '\'' {
			return "", nil, p.errorf("the command name cannot contain %q", c)
		}
		p.i++
	}
	name := p.s[start:p.i]
	if name == "" {
		return "", nil, p.errorf("the command name is missing after \"!\"")
	}
	args := map[string]string{}
	for p.skipSpace(); p.i < len(p.s); p.skipSpace() {
		key, value, err := p.arg()
		if err != nil {
			return "", nil, err
		}
		if _, dup := args[key]; dup {
			return "", nil, p.errorf("argument %s is given twice", key)
		}
		args[key] = value
	}
	return name, args, nil
}

type wrParser struct {
	s string
	i int // byte offset
}

func (p *wrParser) errorf(format string, a ...any) error {
	return &SyntaxError{Col: utf8.RuneCountInString(p.s[:p.i]) + 1, Msg: fmt.Sprintf(format, a...)}
}

func (p *wrParser) isSpace() bool {
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return unicode.IsSpace(r)
}

func (p *wrParser) skipSpace() {
	for p.i < len(p.s) && p.isSpace() {
		_, n := utf8.DecodeRuneInString(p.s[p.i:])
		p.i += n
	}
}

func (p *wrParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// arg parses key=value.
func (p *wrParser) arg() (string, string, error) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '=' && !p.isSpace() {
		if c := p.s[p.i]; c == '"' || c == '\'' {
			return "", "", p.errorf("an argument name cannot contain %q", c)
		}
		p.i++
	}
	key := p.s[start:p.i]
	if !p.eat('=') {
		p.i = start
		return "", "", p.errorf("argument %q has no value: write %s=value", key, key)
	}
	if key == "" {
		p.i = start
		return "", "", p.errorf("a value has no argument name: write name=value")
	}
	value, err := p.value(key)
	if err != nil {
		return "", "", err
	}
	if p.i < len(p.s) && !p.isSpace() {
		return "", "", p.errorf("argument %s: a space must follow the closing quote", key)
	}
	return key, value, nil
}

func (p *wrParser) value(key string) (string, error) {
	if p.i >= len(p.s) {
		return "", nil
	}
	quote := p.s[p.i]
	if quote != '"' && quote != '\'' {
		start := p.i
		for p.i < len(p.s) && !p.isSpace() {
			p.i++
		}
		return p.s[start:p.i], nil
	}
	open := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == quote:
			p.i++
			return b.String(), nil
		case c == '\\' && quote == '"' && p.i+1 < len(p.s) && (p.s[p.i+1] == '"' || p.s[p.i+1] == '\\'):
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	p.i = open
	return "", p.errorf("argument %s: the value's %s quote is never closed", key, quoteName(quote))
}

func quoteName(q byte) string {
	if q == '"' {
		return "double"
	}
	return "single"
}

// FormatWarRoom writes a command line that ParseWarRoom reads back as name and args.
// Arguments come in name order; values are double-quoted when they need it.
func FormatWarRoom(name string, args map[string]string) string {
	var b strings.Builder
	b.WriteString("!" + name)
	for _, k := range slices.Sorted(maps.Keys(args)) {
		b.WriteString(" " + k + "=" + quoteValue(args[k]))
	}
	return b.String()
}

func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, "\"'\\") && !strings.ContainsFunc(v, unicode.IsSpace) {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}
