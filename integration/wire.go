package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrorMarker starts the part of an engine reply that is an error message (DESIGN §2).
const ErrorMarker = "[ERROR-fd5a7750-7182-4b38-90ba-091824478903]"

// Message types written by the plugin.
const (
	msgPong           = "pong"
	msgResult         = "result"
	msgExecuteCommand = "executeCommand"
	msgException      = "exception"
	msgCompleted      = "completed"
)

// message is pong, completed and exception.
type message struct {
	Type string         `json:"type"`
	Args map[string]any `json:"args,omitempty"`
}

// resultMessage keeps "results" even when empty.
type resultMessage struct {
	Type    string  `json:"type"`
	Results []Entry `json:"results"`
}

// callMessage keeps "args" even when empty.
type callMessage struct {
	Type    string         `json:"type"`
	Command string         `json:"command"`
	Args    map[string]any `json:"args"`
}

// wireRequest is an execution line as the engine writes it. Fields not listed (script,
// integration, …) are ignored.
type wireRequest struct {
	Command string         `json:"command"`
	Params  map[string]any `json:"params"`
	Args    map[string]any `json:"args"`
	Context map[string]any `json:"context"`
	Native  any            `json:"native"`
}

// RequestError is an execution line the plugin cannot use. Its text is the sentence the
// analyst reads.
type RequestError struct{ Reason string }

func (e *RequestError) Error() string {
	return "The plugin could not read the execution request: " + e.Reason +
		". The engine must send one JSON object per line with a \"command\" field."
}

// DecodeRequest decodes one execution line. Numbers stay exact (json.Number).
func DecodeRequest(line []byte) (*Request, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var w wireRequest
	if err := dec.Decode(&w); err != nil {
		return nil, &RequestError{Reason: describeJSONError(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &RequestError{Reason: "there is more on the line after the JSON object"}
	}
	if strings.TrimSpace(w.Command) == "" {
		return nil, &RequestError{Reason: "the \"command\" field is missing or empty"}
	}
	native, ok := truthy(w.Native)
	if !ok {
		return nil, &RequestError{Reason: "the \"native\" field must be true or false"}
	}
	return &Request{
		Command:         w.Command,
		Params:          orEmpty(w.Params),
		Args:            orEmpty(w.Args),
		Context:         orEmpty(w.Context),
		InvestigationID: investigationID(w.Context),
		Native:          native,
	}, nil
}

// describeJSONError says what is wrong with a line without quoting it: lines carry params,
// and params carry secrets.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the line ends before the JSON object does"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Sprintf("the line is a JSON %s, not an object", typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("the %q field is a JSON %s, not an %s", typ.Field, typ.Value, jsonKind(typ.Type.Kind().String()))
	}
	return "invalid JSON"
}

func jsonKind(goKind string) string {
	switch goKind {
	case "map", "struct":
		return "object"
	}
	return goKind
}

func truthy(v any) (bool, bool) {
	switch v := v.(type) {
	case nil:
		return false, true
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(v)
		return b, err == nil
	}
	return false, false
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// investigationID is context.Inv.id, a string or (from some engine versions) a number.
func investigationID(ctx map[string]any) string {
	inv, _ := ctx["Inv"].(map[string]any)
	switch id := inv["id"].(type) {
	case string:
		return id
	case json.Number:
		return id.String()
	}
	return ""
}

// replyError extracts the error text from an engine reply carrying ErrorMarker.
func replyError(line []byte) (string, bool) {
	_, after, found := bytes.Cut(line, []byte(ErrorMarker))
	if !found {
		return "", false
	}
	text := strings.TrimSpace(string(after))
	// The marker sometimes travels inside a JSON string: drop the closing quote.
	text = strings.TrimSpace(strings.TrimSuffix(text, `"`))
	if text == "" {
		text = "the engine reported an error without a message"
	}
	return text, true
}
