package commands

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// maxShownValue bounds how much of an offending value an error message repeats, so a
// pasted megabyte does not become a megabyte-long War Room entry.
const maxShownValue = 120

// ValidationError is an invalid or missing integration parameter or command argument. Its
// message is the sentence the analyst reads: the field's name, the value, what is accepted.
type ValidationError struct {
	// Kind is "parameter" or "argument".
	Kind string
	// Name is the field's name as in integration.yml, e.g. "start_date".
	Name string
	// Value is the offending value as given (already rendered as text).
	Value string
	// Hidden replaces the value with "(hidden)": certificates and passwords.
	Hidden bool
	// Missing marks a required field that was absent or blank.
	Missing bool
	// Problem optionally says what exactly is wrong, e.g. `item "x" is not an IP address`.
	Problem string
	// Expected says what is accepted.
	Expected string
}

func (e *ValidationError) Error() string {
	if e.Missing {
		return fmt.Sprintf("Missing %s %q — expected %s.", e.Kind, e.Name, e.Expected)
	}
	msg := fmt.Sprintf("Invalid %s %q: %s — ", e.Kind, e.Name, e.shownValue())
	if e.Problem != "" {
		msg += e.Problem + "; "
	}
	return msg + "expected " + e.Expected + "."
}

func (e *ValidationError) shownValue() string {
	if e.Hidden {
		return "(hidden)"
	}
	return quoteShort(e.Value)
}

// quoteShort quotes s for an error message, cut to maxShownValue runes.
func quoteShort(s string) string {
	if utf8.RuneCountInString(s) <= maxShownValue {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:maxShownValue])) + "…"
}

func paramError(name string, v any, expected string) *ValidationError {
	return &ValidationError{Kind: "parameter", Name: name, Value: render(v), Expected: expected}
}

func argError(name string, v any, expected string) *ValidationError {
	return &ValidationError{Kind: "argument", Name: name, Value: render(v), Expected: expected}
}

// render turns a decoded JSON value into the text an error message quotes.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
