package commands

import (
	"errors"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Defaults of fetch-incidents (DESIGN §5b).
const (
	DefaultFirstFetch = "3 days"
	DefaultMaxFetch   = 50
	MaxMaxFetch       = 1000
	DefaultLookback   = "2 hours"
	// maxLookback keeps the re-searched window (and the seen set) sane.
	maxLookback = 366 * 24 * time.Hour
)

// FetchParams are fetch-incidents' integration parameters, validated and typed.
type FetchParams struct {
	// FirstFetch is where the first run starts (UTC, whole seconds).
	FirstFetch time.Time
	// MaxFetch is the most incidents one run emits (1–1000).
	MaxFetch int
	// Lookback is how late a record may arrive and still become an incident.
	Lookback time.Duration
	// Filters are the fetch filters (RecordType, Operations, UserIDs, ObjectIDs, FreeText).
	auditsearch.Filters
	IncidentType string
}

// Query is the search query for the window [start, end) with the fetch filters.
func (p FetchParams) Query(start, end time.Time, size int) auditsearch.Query {
	return auditsearch.Query{Start: start, End: end, Filters: p.Filters, ResultSize: size}
}

// ParseFetchParams validates fetch-incidents' parameters against the clock reading now,
// before any network call. The error is a *ValidationError naming the invalid one, or
// ValidationErrors naming each when several are.
func ParseFetchParams(params map[string]any, now time.Time) (FetchParams, error) {
	now = now.UTC().Truncate(time.Second)
	var p FetchParams
	err := validateAll(
		func() (err error) { p.FirstFetch, err = firstFetchParam(params["first_fetch"], now); return },
		func() (err error) { p.MaxFetch, err = maxFetchParam(params["max_fetch"]); return },
		func() (err error) { p.Lookback, err = lookbackParam(params["fetch_lookback"], now); return },
		func() (err error) { p.RecordType, err = asParam(recordTypeArg(params["fetch_record_type"])); return },
		func() (err error) {
			p.Operations, err = asParam(listArg("fetch_operations", params["fetch_operations"]))
			return
		},
		func() (err error) {
			p.UserIDs, err = asParam(listArg("fetch_user_ids", params["fetch_user_ids"]))
			return
		},
		func() (err error) {
			p.ObjectIDs, err = asParam(listArg("fetch_object_ids", params["fetch_object_ids"]))
			return
		},
		func() (err error) { p.FreeText, err = textParam(params, "fetch_free_text"); return },
		func() (err error) { p.IncidentType, err = textParam(params, "incidentType"); return },
	)
	if err != nil {
		return FetchParams{}, err
	}
	return p, nil
}

// asParam relabels an argument validator's error as a parameter error; fetch filters reuse
// the search arguments' grammar. recordTypeArg names its field record_type: rename it.
func asParam[T any](v T, err error) (T, error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		ve.Kind = "parameter"
		if ve.Name == "record_type" {
			ve.Name = "fetch_record_type"
		}
	}
	return v, err
}

func firstFetchParam(v any, now time.Time) (time.Time, error) {
	text := DefaultFirstFetch
	if !absent(v) {
		s, ok := v.(string)
		if !ok {
			return time.Time{}, paramError("first_fetch", v, dateExpected)
		}
		text = s
	}
	t, err := ParseDate(text, now)
	if err != nil {
		e := paramError("first_fetch", text, dateExpected)
		if de := (*dateError)(nil); errors.As(err, &de) {
			e.Problem = de.problem
		}
		return time.Time{}, e
	}
	if !t.Before(now) {
		e := paramError("first_fetch", text, "a time in the past")
		e.Problem = "it is " + t.Format(time.RFC3339) + ", not before now"
		return time.Time{}, e
	}
	return t.Truncate(time.Second), nil
}

func maxFetchParam(v any) (int, error) {
	if absent(v) {
		return DefaultMaxFetch, nil
	}
	n, ok := intValue(v)
	if !ok || n < 1 || n > MaxMaxFetch {
		return 0, paramError("max_fetch", v, "an integer from 1 to 1000 (default 50)")
	}
	return n, nil
}

// lookbackParam reads a relative duration "N unit" (the relative start_date grammar).
func lookbackParam(v any, now time.Time) (time.Duration, error) {
	const expected = `a duration "N unit" (minutes, hours, days or weeks, e.g. "2 hours"), at most a year`
	text := DefaultLookback
	if !absent(v) {
		s, ok := scalarText(v)
		if !ok {
			return 0, paramError("fetch_lookback", v, expected)
		}
		text = s
	}
	if !IsRelativeDate(text) {
		return 0, paramError("fetch_lookback", text, expected)
	}
	t, err := ParseDate(text, now)
	d := now.Sub(t)
	if err != nil || d < 0 || d > maxLookback {
		return 0, paramError("fetch_lookback", text, expected)
	}
	return d, nil
}

func textParam(params map[string]any, name string) (string, error) {
	s, ok := scalarText(params[name])
	if !ok {
		return "", paramError(name, params[name], "text")
	}
	return s, nil
}
