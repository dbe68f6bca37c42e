package commands

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// auditLogRecordTypes is Microsoft's AuditLogRecordType enum: "value<TAB>name" lines under a
// header. Search-UnifiedAuditLog takes the name.
//
//go:embed auditlogrecordtype.tsv
var auditLogRecordTypes string

// recordTypeTable is the parsed enum, built once from embedded, immutable data.
type recordTypeTable struct {
	byNumber map[int]string
	byName   map[string]string // lower-case name → canonical name
}

var recordTypes = parseRecordTypes(auditLogRecordTypes)

// recordTypeShape is a name Microsoft might add after our table was copied: letters then
// letters and digits, like every name in the enum.
var recordTypeShape = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

func parseRecordTypes(tsv string) recordTypeTable {
	t := recordTypeTable{byNumber: map[int]string{}, byName: map[string]string{}}
	for i, line := range strings.Split(strings.TrimSpace(tsv), "\n") {
		value, name, ok := strings.Cut(strings.TrimSpace(line), "\t")
		n, err := strconv.Atoi(value)
		if i == 0 && err != nil {
			continue // the header
		}
		if !ok || err != nil || name == "" {
			panic(fmt.Sprintf("auditlogrecordtype.tsv line %d: %q", i+1, line))
		}
		t.byNumber[n] = name
		t.byName[strings.ToLower(name)] = name
	}
	return t
}

// RecordTypeName turns a record_type value into the enum name Search-UnifiedAuditLog takes: a
// name in any case becomes the canonical name, a number its name. A number not in the table
// is an error; an unknown name shaped like one (letters and digits) is returned as given,
// since Microsoft adds record types often.
func RecordTypeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && isDigits(s) {
		if name, ok := recordTypes.byNumber[n]; ok {
			return name, nil
		}
		return "", fmt.Errorf("%d is not an AuditLogRecordType number", n)
	}
	if name, ok := recordTypes.byName[strings.ToLower(s)]; ok {
		return name, nil
	}
	if recordTypeShape.MatchString(s) {
		return s, nil
	}
	return "", fmt.Errorf("not an AuditLogRecordType name or number")
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
