package commands

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
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

// ValidationErrors are several invalid parameters or arguments, reported in one error entry
// so that the analyst fixes them all in one go (DESIGN §5: every offending one). errors.As
// finds each *ValidationError in it.
type ValidationErrors []*ValidationError

func (es ValidationErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s are invalid:", len(es), es.kinds())
	for _, e := range es {
		b.WriteString("\n- " + e.Error())
	}
	return b.String()
}

// kinds names what is invalid: "arguments", "parameters" or both.
func (es ValidationErrors) kinds() string {
	var params, args bool
	for _, e := range es {
		params = params || e.Kind == "parameter"
		args = args || e.Kind != "parameter"
	}
	switch {
	case params && args:
		return "parameters and arguments"
	case params:
		return "parameters"
	}
	return "arguments"
}

// Unwrap returns each error, for errors.Is and errors.As.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// validateAll runs every check, even after one fails, and returns nil, the one
// *ValidationError, or ValidationErrors naming each. An error that is not a validation
// error stops it at once.
func validateAll(checks ...func() error) error {
	var all ValidationErrors
	for _, check := range checks {
		var err error
		if err = check(); err == nil {
			continue
		}
		if !addValidation(&all, err) {
			return err
		}
	}
	return all.orNil()
}

// joinValidation joins validation errors from separate checks (params, then args); nil
// ones are skipped. An error that is not a validation error is returned as is.
func joinValidation(errs ...error) error {
	var all ValidationErrors
	for _, err := range errs {
		if err != nil && !addValidation(&all, err) {
			return err
		}
	}
	return all.orNil()
}

func addValidation(all *ValidationErrors, err error) bool {
	var many ValidationErrors
	var one *ValidationError
	switch {
	case errors.As(err, &many):
		*all = append(*all, many...)
	case errors.As(err, &one):
		*all = append(*all, one)
	default:
		return false
	}
	return true
}

func (es ValidationErrors) orNil() error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return es
}
