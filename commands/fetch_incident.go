package commands

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Incident is one XSOAR incident as fetch-incidents returns it (DESIGN §5b).
type Incident struct {
	Name string `json:"name"`
	// Occurred is the record's CreationTime, RFC 3339 in UTC.
	Occurred string `json:"occurred"`
	// RawJSON is the AuditData text, unmodified.
	RawJSON string `json:"rawJSON"`
	// Type is the incidentType param; omitted when unset so the engine's classifier decides.
	Type string `json:"type,omitempty"`
}

// incidentHead is what an incident's name is made of; fields the service types loosely
// stay raw.
type incidentHead struct {
	Operation  json.RawMessage `json:"Operation"`
	UserID     json.RawMessage `json:"UserId"`
	Workload   json.RawMessage `json:"Workload"`
	RecordType json.RawMessage `json:"RecordType"`
}

// NewIncident turns one audit record into an incident.
func NewIncident(r auditsearch.Record, incidentType string) Incident {
	return Incident{
		Name:     incidentName(r),
		Occurred: r.CreationTime.UTC().Format(time.RFC3339Nano),
		RawJSON:  string(r.AuditData),
		Type:     incidentType,
	}
}

// incidentName is "<Operation> by <UserId>" like "UserLoginFailed by user@example.com";
// without an Operation the row's operation or the workload stands in, without a user the
// " by" part is left out.
func incidentName(r auditsearch.Record) string {
	var h incidentHead
	_ = json.Unmarshal(r.AuditData, &h) // a record that is not an object still gets a name
	what := firstText(rawText(h.Operation), r.Operations)
	if what == "" {
		what = strings.TrimSpace(firstText(rawText(h.Workload), r.RecordType, rawText(h.RecordType)) + " audit event")
	}
	if who := firstText(rawText(h.UserID), r.UserIDs); who != "" {
		return what + " by " + who
	}
	return what
}

// rawText is a JSON string's or number's text; anything else is empty.
func rawText(v json.RawMessage) string {
	var s any
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	switch x := s.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strings.TrimSpace(string(v))
	}
	return ""
}

func firstText(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// incidentsJSON is the result entry's Contents: the JSON text of the incident list, "[]"
// when there is none.
func incidentsJSON(rows []auditsearch.Record, incidentType string) (string, error) {
	incidents := make([]Incident, len(rows))
	for i, r := range rows {
		incidents[i] = NewIncident(r, incidentType)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(incidents); err != nil {
		return "", fmt.Errorf("The incidents could not be encoded (%w). Fetch again; if it persists, "+
			"narrow the fetch filters to leave the offending record out.", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
