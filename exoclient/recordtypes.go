package exoclient

import (
	_ "embed"
	"strconv"
	"strings"
)

// recordTypesTSV is Microsoft's AuditLogRecordType enumeration (value, name). The service
// sometimes serialises RecordType as its number; rows carry the name either way.
//
//go:embed recordtypes.tsv
var recordTypesTSV string

// recordTypeNames maps an enum value to its name; built once, read-only afterwards.
var recordTypeNames = parseRecordTypes(recordTypesTSV)

func parseRecordTypes(tsv string) map[int]string {
	names := make(map[int]string)
	for _, line := range strings.Split(tsv, "\n") {
		value, name, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(value); err == nil && name != "" {
			names[n] = strings.TrimSpace(name)
		}
	}
	return names
}

// recordTypeName returns the enum name of n, or n's decimal text when the table does not
// know it yet (Microsoft adds record types often).
func recordTypeName(n int) string {
	if name, ok := recordTypeNames[n]; ok {
		return name
	}
	return strconv.Itoa(n)
}
