package commands

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/o365auditlog/o365auditlog/recordtype"
)

// recordTypeShape is a name Microsoft might add after our table was copied: letters then
// letters and digits, like every name in the enum.
var recordTypeShape = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

// RecordTypeName turns a record_type value into the enum name Search-UnifiedAuditLog takes: a
// name in any case becomes the canonical name, a number its name. A number not in the table
// is an error; an unknown name shaped like one (letters and digits) is returned as given,
// since Microsoft adds record types often.
func RecordTypeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && isDigits(s) {
		if t, ok := recordtype.ByValue(n); ok {
			return t.Name, nil
		}
		return "", fmt.Errorf("%d is not an AuditLogRecordType number", n)
	}
	if t, ok := recordtype.ByName(s); ok {
		return t.Name, nil
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
