package commands

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
)

// Defaults of o365-auditlog-search (DESIGN §5).
const (
	DefaultStartDate  = "24 hours"
	DefaultResultSize = 10
	// AllResultSize is what result_size=0 means, as in the original integration.
	AllResultSize = 5000
)

// SearchArgs are o365-auditlog-search's arguments, validated and typed.
type SearchArgs struct {
	// Start and End are the window in UTC; Start is before End.
	Start, End time.Time
	// Filters are the search's filters; RecordType is the one record type asked for (the
	// canonical enum name, or a new name as given), empty for none or several.
	auditsearch.Filters
	// RecordTypes are every record type asked for, in order, without repeats. With two or
	// more the search runs once per type (the cmdlet takes one) and merges (recordtypes.go).
	RecordTypes []string
	// ResultSize is the number of newest records wanted, at least 1.
	ResultSize int
	// AsFile asks for a JSON Lines file entry instead of context records.
	AsFile bool
	// Columns are the table's columns, in order; none means the sorted union of keys.
	Columns []string
	// Backend is auto, exchange or graph; "" means the instance's param.
	Backend string
	// Polling asks for XSOAR scheduled commands when the search goes to Graph (§5d):
	// Interval is the first NextRun, PollTimeout XSOAR's Timeout, QueryIDs the Graph
	// queries a scheduled run checks, HidePolling fewer words on the running entries.
	Polling     bool
	Interval    time.Duration
	PollTimeout time.Duration
	QueryIDs    []string
	HidePolling bool
	// raw are the arguments as received: a scheduled run gets them all back.
	raw map[string]any
}

// Polling defaults (DESIGN §5d).
const (
	DefaultInterval    = 15 * time.Second
	MinInterval        = 10 * time.Second
	DefaultPollTimeout = time.Hour
)

// Query is the search query these arguments describe.
func (a SearchArgs) Query() auditsearch.Query {
	return auditsearch.Query{Start: a.Start, End: a.End, Filters: a.Filters, ResultSize: a.ResultSize}
}

// ParseSearchArgs validates o365-auditlog-search's arguments against the clock reading now.
// Values may be strings (War Room) or JSON values (playbooks). The error is a
// *ValidationError naming the invalid argument, or ValidationErrors naming each when
// several are (DESIGN §5: every offending one, in one error entry). Arguments it does not
// define are ignored (see UnknownArgs).
func ParseSearchArgs(args map[string]any, now time.Time) (SearchArgs, error) {
	now = now.UTC().Truncate(time.Second)
	var a SearchArgs
	err := validateAll(
		func() (err error) { a.Start, a.End, err = parseWindow(args, now); return },
		func() (err error) { a.FreeText, err = textArg(args, "free_text"); return },
		func() (err error) { a.RecordTypes, err = recordTypesArg(args["record_type"]); return },
		func() (err error) { a.IPAddresses, err = ipListArg(args["ip_addresses"]); return },
		func() (err error) { a.Operations, err = listArg("operations", args["operations"]); return },
		func() (err error) { a.UserIDs, err = listArg("user_ids", args["user_ids"]); return },
		func() (err error) { a.ObjectIDs, err = listArg("object_ids", args["object_ids"]); return },
		func() (err error) { a.ResultSize, err = resultSizeArg(args["result_size"]); return },
		func() (err error) { a.AsFile, err = boolArg("as_file", args["as_file"]); return },
		func() (err error) {
			a.HighCompleteness, err = boolArg("high_completeness", args["high_completeness"])
			return
		},
		func() (err error) { a.Columns, err = listArg("columns", args["columns"]); return },
		func() (err error) { a.Backend, err = backendValue(argError, "backend", args["backend"], ""); return },
		func() (err error) { a.Polling, err = boolArg("polling", args["polling"]); return },
		func() (err error) {
			a.Interval, err = secondsArg("interval_in_seconds", args["interval_in_seconds"], DefaultInterval)
			a.Interval = max(a.Interval, MinInterval)
			return
		},
		func() (err error) {
			a.PollTimeout, err = secondsArg("timeout_in_seconds", args["timeout_in_seconds"], DefaultPollTimeout)
			return
		},
		func() (err error) { a.QueryIDs, err = queryIDsArg(args["query_id"]); return },
		func() (err error) {
			a.HidePolling, err = boolArg("hide_polling_output", args["hide_polling_output"])
			return
		},
	)
	if err != nil {
		return SearchArgs{}, err
	}
	if len(a.RecordTypes) == 1 {
		a.RecordType = a.RecordTypes[0]
	}
	a.raw = args
	return a, nil
}

// secondsArg reads a whole, positive number of seconds (at most a day).
func secondsArg(name string, v any, def time.Duration) (time.Duration, error) {
	if absent(v) {
		return def, nil
	}
	n, ok := intValue(v)
	if !ok || n < 1 || n > 86400 {
		return 0, argError(name, v, fmt.Sprintf("a whole number of seconds from 1 to 86400 (default %d)", int(def.Seconds())))
	}
	return time.Duration(n) * time.Second, nil
}

// queryIDRe is the shape of a Graph audit query id (a GUID, in practice): it travels into
// URL paths.
var queryIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// queryIDsArg reads query_id: the Graph query ids a scheduled run checks ("a,b" or a list).
func queryIDsArg(v any) ([]string, error) {
	ids, err := listArg("query_id", v)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !queryIDRe.MatchString(id) {
			return nil, argError("query_id", v, "the Graph audit query ids of a scheduled run (set by the integration, not by hand)")
		}
	}
	return ids, nil
}

// UnknownArgs lists the argument names o365-auditlog-search does not define, sorted. XSOAR
// only passes defined ones, so the handler just logs these.
func UnknownArgs(args map[string]any) []string {
	var unknown []string
	for name := range args {
		if !slices.Contains(searchArgs, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// parseWindow reads start_date and end_date. A relative start counts back from now, not
// from an explicit end_date.
func parseWindow(args map[string]any, now time.Time) (start, end time.Time, err error) {
	startText, err := dateText(args, "start_date", DefaultStartDate)
	if err != nil {
		return start, end, err
	}
	endText, err := dateText(args, "end_date", "")
	if err != nil {
		return start, end, err
	}
	if start, err = dateArg("start_date", startText, now); err != nil {
		return start, end, err
	}
	end = now
	if endText != "" {
		if end, err = dateArg("end_date", endText, now); err != nil {
			return start, end, err
		}
	}
	if !start.Before(end) {
		e := argError("start_date", startText, "a time before end_date")
		e.Problem = "it is " + start.Format(time.RFC3339Nano) + ", not before end_date " + end.Format(time.RFC3339Nano)
		return start, end, e
	}
	return start, end, nil
}

func dateText(args map[string]any, name, def string) (string, error) {
	v := args[name]
	if absent(v) {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", argError(name, v, dateExpected)
	}
	return s, nil
}

func dateArg(name, text string, now time.Time) (time.Time, error) {
	t, err := ParseDate(text, now)
	if err == nil {
		return t, nil
	}
	e := argError(name, text, dateExpected)
	if de := (*dateError)(nil); errors.As(err, &de) {
		e.Problem = de.problem
	}
	return time.Time{}, e
}

func textArg(args map[string]any, name string) (string, error) {
	s, ok := scalarText(args[name])
	if !ok {
		return "", argError(name, args[name], "text")
	}
	return s, nil
}

const recordTypeExpected = "an AuditLogRecordType name (any case, e.g. AzureActiveDirectory) or number " +
	"(e.g. 8); a name not in our table must be letters and digits"

// recordTypesArg reads record_type: one type, or a list of them ("a, b" or a JSON array),
// each made canonical; every item that is not a record type is named.
func recordTypesArg(v any) ([]string, error) {
	const expected = recordTypeExpected + "; several as a comma-separated list or a JSON array"
	single := !strings.Contains(render(v), ",") && !strings.HasPrefix(strings.TrimSpace(render(v)), "[")
	items, err := listArg("record_type", v)
	if ve := (*ValidationError)(nil); errors.As(err, &ve) {
		ve.Expected = expected
	}
	if err != nil {
		return nil, err
	}
	var names, problems []string
	for _, it := range items {
		name, err := RecordTypeName(it)
		if err != nil {
			if single {
				problems = append(problems, err.Error())
			} else {
				problems = append(problems, quoteShort(it)+": "+err.Error())
			}
			continue
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if len(problems) > 0 {
		e := argError("record_type", v, expected)
		e.Problem = strings.Join(problems, "; ")
		return nil, e
	}
	return names, nil
}

func recordTypeArg(v any) (string, error) {
	const expected = recordTypeExpected
	s, ok := scalarText(v)
	if !ok {
		return "", argError("record_type", v, expected)
	}
	if s == "" {
		return "", nil
	}
	name, err := RecordTypeName(s)
	if err != nil {
		e := argError("record_type", v, expected)
		e.Problem = err.Error()
		return "", e
	}
	return name, nil
}

func resultSizeArg(v any) (int, error) {
	if absent(v) {
		return DefaultResultSize, nil
	}
	n, ok := intValue(v)
	if !ok || n < 0 {
		return 0, argError("result_size", v,
			"a whole number of records: 0 for 5000, or any positive number (above 5000 the search splits the time window)")
	}
	if n == 0 {
		return AllResultSize, nil
	}
	return n, nil
}

// boolArg reads a boolean argument whose default is false.
func boolArg(name string, v any) (bool, error) {
	if absent(v) {
		return false, nil
	}
	b, ok := boolValue(v)
	if !ok {
		return false, argError(name, v, "true or false")
	}
	return b, nil
}
