package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// graphListFilters are the create body's collection properties and where each goes.
var graphListFilters = []string{"recordTypeFilters", "serviceFilters", "operationFilters", "userPrincipalNameFilters",
	"ipAddressFilters", "objectIdFilters", "administrativeUnitIdFilters"}

// decodeGraphCreate reads an auditLogQuery create body. Graph refuses properties its type
// lacks, and record types that are not members of its enum: both catch client mistakes.
func decodeGraphCreate(r *http.Request) (*graphQuery, *graphError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, badGraph("The request body could not be read.")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, badGraph("Invalid request body: %v", err)
	}
	q := &graphQuery{raw: map[string]any{"keywordFilter": nil, "serviceFilter": nil,
		"filterStartDateTime": nil, "filterEndDateTime": nil}}
	lists := map[string][]string{}
	for _, k := range graphListFilters {
		lists[k] = []string{}
	}
	for k, v := range raw {
		if ge := q.setProperty(k, v, lists); ge != nil {
			return nil, ge
		}
	}
	f := &q.filter
	if !f.Start.IsZero() && !f.End.IsZero() && f.End.Before(f.Start) {
		return nil, badGraph("filterEndDateTime must not be earlier than filterStartDateTime.")
	}
	for _, name := range lists["recordTypeFilters"] {
		if _, ok := graphRecordTypeByName(name); !ok {
			return nil, badGraph("Requested value '%s' was not found.", name)
		}
	}
	f.RecordTypes, f.Operations, f.UserPrincipalNames = lists["recordTypeFilters"], lists["operationFilters"], lists["userPrincipalNameFilters"]
	f.IPAddresses, f.ObjectIDs, f.AdministrativeUnitIDs = lists["ipAddressFilters"], lists["objectIdFilters"], lists["administrativeUnitIdFilters"]
	f.Services = append(f.Services, lists["serviceFilters"]...)
	for k, v := range lists {
		q.raw[k] = v
	}
	return q, nil
}

func badGraph(format string, args ...any) *graphError {
	return &graphError{status: http.StatusBadRequest, code: "BadRequest", msg: fmt.Sprintf(format, args...)}
}

// setProperty applies one create body property.
func (q *graphQuery) setProperty(k string, v json.RawMessage, lists map[string][]string) *graphError {
	if _, ok := lists[k]; ok {
		var xs []string
		if string(v) != "null" {
			if err := json.Unmarshal(v, &xs); err != nil {
				return badGraph("Cannot convert the literal '%s' to the expected type 'Collection(Edm.String)' of property '%s'.", v, k)
			}
		}
		lists[k] = append(lists[k], xs...)
		return nil
	}
	var s *string
	if err := json.Unmarshal(v, &s); err != nil {
		return badGraph("Cannot convert the literal '%s' to the expected type 'Edm.String' of property '%s'.", v, k)
	}
	val := ""
	if s != nil {
		val = *s
	}
	switch k {
	case "@odata.type":
	case "displayName":
		q.displayName = val
	case "keywordFilter":
		q.filter.Keyword, q.raw[k] = val, s
	case "serviceFilter":
		if val != "" {
			q.filter.Services = append(q.filter.Services, val)
		}
		q.raw[k] = s
	case "filterStartDateTime", "filterEndDateTime":
		return q.setDate(k, val)
	default:
		return badGraph("The property '%s' does not exist on type 'microsoft.graph.security.auditLogQuery'. Make sure to only use property names that are defined by the type.", k)
	}
	return nil
}

func (q *graphQuery) setDate(k, val string) *graphError {
	if val == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(val))
	if err != nil {
		return badGraph("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", val)
	}
	t = t.UTC()
	if k == "filterStartDateTime" {
		q.filter.Start = t
	} else {
		q.filter.End = t
	}
	q.raw[k] = t.Format(time.RFC3339Nano)
	return nil
}
