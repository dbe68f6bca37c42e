package emulator

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// searchRequest is a decoded Search-UnifiedAuditLog call.
type searchRequest struct {
	q              Query
	resultSize     int
	sessionID      string
	sessionCommand string
}

// paramError is a parameter the cmdlet refuses (400).
type paramError struct {
	msg       string
	transform bool // PowerShell's argument transformation failed (a live body names both parts)
}

func (p *paramError) Error() string { return p.msg }

// refusal is the 400 answering p.
func (p *paramError) refusal() *httpErr {
	if p.transform {
		return &httpErr{status: 400, code: "BadRequest", msg: p.msg, exType: exTransform}
	}
	return &httpErr{status: 400, code: "BadRequest", msg: p.msg, exType: exParameter, shape: shapeDetails}
}

func badParam(format string, args ...any) *paramError {
	return &paramError{msg: fmt.Sprintf(format, args...)}
}

// knownParams are Search-UnifiedAuditLog's parameters (PowerShell matches names in any case).
var knownParams = []string{"StartDate", "EndDate", "FreeText", "RecordType", "IPAddresses", "Operations",
	"UserIds", "ObjectIds", "ResultSize", "SessionId", "SessionCommand", "Formatted", "SiteIds",
	"HighCompleteness", "HighCompletenessOnly", "LongerRetentionEnabled", "LegacyFlow"}

const (
	defaultResultSize = 100
	maxResultSize     = 5000
	largeSetCap       = 50000
	previewCap        = 5000
)

// parseSearchParams decodes a call's parameters. With strictLists a list parameter given as a
// JSON string is refused, as the live service does (L10); otherwise it is split at commas.
func parseSearchParams(raw map[string]json.RawMessage, strictLists bool) (*searchRequest, error) {
	p := map[string]json.RawMessage{}
	for k, v := range raw {
		name := ""
		for _, n := range knownParams {
			if strings.EqualFold(n, k) {
				name = n
			}
		}
		if name == "" {
			return nil, badParam("A parameter cannot be found that matches parameter name '%s'.", k)
		}
		p[name] = v
	}
	var missing []string
	for _, n := range []string{"StartDate", "EndDate"} {
		if isNull(p[n]) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, badParam("%s", missingMandatory(missing))
	}
	sr := &searchRequest{resultSize: defaultResultSize}
	var err error
	if sr.q.Start, err = dateParam(p, "StartDate"); err != nil {
		return nil, err
	}
	if sr.q.End, err = dateParam(p, "EndDate"); err != nil {
		return nil, err
	}
	if sr.q.Start.After(sr.q.End) {
		return nil, badParam("The StartDate (%s) must be earlier than the EndDate (%s).", sr.q.Start.Format(time.RFC3339), sr.q.End.Format(time.RFC3339))
	}
	if v, ok, err := stringParam(p, "ResultSize"); err != nil {
		return nil, err
	} else if ok {
		if sr.resultSize, err = resultSizeParam(v); err != nil {
			return nil, err
		}
	}
	if sr.q.FreeText, _, err = stringParam(p, "FreeText"); err != nil {
		return nil, err
	}
	if rt, ok, err := stringParam(p, "RecordType"); err != nil {
		return nil, err
	} else if ok {
		if _, known := parseRecordTypeParam(rt); !known {
			return nil, badParam("Cannot bind parameter 'RecordType'. Cannot convert value \"%s\" to type \"Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecordType\". Error: \"Unable to match the identifier name %s to a valid enumerator name. Specify one of the following enumerator names and try again.\"", rt, rt)
		}
		sr.q.RecordType = rt
	}
	for name, dst := range map[string]*[]string{"IPAddresses": &sr.q.IPAddresses, "Operations": &sr.q.Operations,
		"UserIds": &sr.q.UserIDs, "ObjectIds": &sr.q.ObjectIDs} {
		if *dst, err = listParam(p, name, strictLists); err != nil {
			return nil, err
		}
	}
	if sr.sessionID, _, err = stringParam(p, "SessionId"); err != nil {
		return nil, err
	}
	if sr.sessionCommand, _, err = stringParam(p, "SessionCommand"); err != nil {
		return nil, err
	}
	switch strings.ToLower(sr.sessionCommand) {
	case "":
	case "returnlargeset":
		sr.sessionCommand = "ReturnLargeSet"
	case "returnnextpreviewpage":
		sr.sessionCommand = "ReturnNextPreviewPage"
	default:
		return nil, badParam("Cannot bind parameter 'SessionCommand'. Cannot convert value \"%s\" to type \"SessionCommand\". Specify one of the following enumerator names and try again: ReturnLargeSet, ReturnNextPreviewPage.", sr.sessionCommand)
	}
	if sr.sessionCommand != "" && sr.sessionID == "" {
		return nil, badParam("The SessionCommand parameter requires a SessionId.")
	}
	return sr, nil
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null" || s == `""`
}

// stringParam reads a parameter given as a JSON string, number or boolean.
func stringParam(p map[string]json.RawMessage, name string) (string, bool, error) {
	raw, ok := p[name]
	if !ok || isNull(raw) {
		return "", false, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false, badParam("Cannot bind parameter '%s': %v.", name, err)
	}
	switch x := v.(type) {
	case string:
		return x, true, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true, nil
	case bool:
		return strconv.FormatBool(x), true, nil
	}
	return "", false, badParam("Cannot bind parameter '%s'. Cannot convert the value %s to type \"System.String\".", name, raw)
}

// listParam reads a multi-valued parameter: a JSON array of strings, or (unless strict) a
// comma-separated string.
func listParam(p map[string]json.RawMessage, name string, strict bool) ([]string, error) {
	raw, ok := p[name]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var arr []any
	if err := json.Unmarshal(raw, &arr); err == nil {
		out := make([]string, 0, len(arr))
		for _, v := range arr {
			s, ok := v.(string)
			if !ok {
				return nil, badParam("Cannot bind parameter '%s'. Cannot convert the value %v to type \"System.String\".", name, v)
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, _, err := stringParam(p, name)
	if err != nil {
		return nil, err
	}
	if strict {
		return nil, &paramError{transform: true, msg: fmt.Sprintf("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]\". Error: \"The value must be an array.\"", name, s)}
	}
	return strings.Split(s, ","), nil
}

func resultSizeParam(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, badParam("Cannot bind parameter 'ResultSize'. Cannot convert value \"%s\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"", v)
	}
	if n < 1 {
		return 0, badParam("Cannot validate argument on parameter 'ResultSize'. The %d argument is less than the minimum allowed range of 1. Supply an argument that is greater than or equal to 1 and then try the command again.", n)
	}
	if n > maxResultSize {
		return 0, badParam("Cannot validate argument on parameter 'ResultSize'. The %d argument is greater than the maximum allowed range of %d. Supply an argument that is less than or equal to %d and then try the command again.", n, maxResultSize, maxResultSize)
	}
	return n, nil
}

var msDate = regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`)

// dateParam parses a date the way EXO's ExDateTime binding does for the formats clients send;
// a value without a zone is UTC.
func dateParam(p map[string]json.RawMessage, name string) (time.Time, error) {
	s, _, err := stringParam(p, name)
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	if m := msDate.FindStringSubmatch(s); m != nil {
		ms, _ := strconv.ParseInt(m[1], 10, 64)
		return time.UnixMilli(ms).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05",
		"2006-01-02T15:04", "2006-01-02", "01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006", "1/2/2006 3:04:05 PM", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badParam("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"Cannot convert value \"%s\" to type \"Microsoft.Exchange.ExchangeSystem.ExDateTime\".\"", name, name, s)
}
