package commands

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Params and args arrive decoded with UseNumber: strings from the War Room, any JSON value
// from playbooks and tests. These small converters read them the same way everywhere.

// scalarText returns the text of a string, number or boolean value, trimmed. ok is false for
// objects and arrays.
func scalarText(v any) (text string, ok bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return strings.TrimSpace(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// absent reports a value that was not given: missing, null or a blank string.
func absent(v any) bool {
	s, ok := v.(string)
	return v == nil || ok && strings.TrimSpace(s) == ""
}

// boolValue reads a JSON boolean or the strings true/false/yes/no (any case), as XSOAR's
// argToBoolean does. ok is false for anything else.
func boolValue(v any) (b, ok bool) {
	if x, isBool := v.(bool); isBool {
		return x, true
	}
	s, isText := scalarText(v)
	if !isText {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes":
		return true, true
	case "false", "no":
		return false, true
	}
	return false, false
}

// intValue reads a whole number written as a JSON number or a string of digits (an optional
// sign; a float such as 4.0 from a JSON decoder without UseNumber is accepted).
func intValue(v any) (int, bool) {
	if f, isFloat := v.(float64); isFloat {
		if f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
			return 0, false
		}
		return int(f), true
	}
	s, ok := scalarText(v)
	if !ok || s == "" {
		return 0, false
	}
	if _, isBool := v.(bool); isBool {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return n, true
}
