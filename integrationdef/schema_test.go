package integrationdef_test

import (
	"testing"

	"github.com/o365auditlog/o365auditlog/integrationdef"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const miniSchema = `
type: map
mapping:
  name: {type: str, required: true}
  version: {type: int}
  enabled: {type: bool}
  kind: {type: str, enum: [a, b]}
  extra: {type: any}
  items:
    type: seq
    sequence:
    - include: item_schema
schema;item_schema:
  type: map
  mapping:
    id: {type: str, required: true}
    tags:
      type: seq
      sequence:
      - type: str
`

// TestValidator: the pykwalify subset catches what it must, with the path of each problem.
func TestValidator(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string // substrings of the error; none = valid
	}{
		{"valid", "name: x\nversion: -1\nenabled: true\nkind: a\nextra: [1, {a: b}]\nitems:\n- id: i\n  tags: [t]\n", nil},
		{"null optional values", "name: x\nversion:\nitems:\n", nil},
		{"missing required", "version: 1\n", []string{"/name: required key is missing"}},
		{"null required", "name:\n", []string{"/name: required key is missing"}},
		{"unknown key", "name: x\nbogus: 1\n", []string{"/bogus: key is not allowed here"}},
		{"int for str", "name: 12\n", []string{"/name: want str, have int"}},
		{"quoted int", "name: x\nversion: '1'\n", []string{"/version: want int, have str"}},
		{"string for bool", "name: x\nenabled: 'yes'\n", []string{"/enabled: want bool, have str"}},
		{"enum", "name: x\nkind: c\n", []string{`/kind: "c" is not one of ["a" "b"]`}},
		{"map for seq", "name: x\nitems: {id: i}\n", []string{"/items: want a sequence, have a map"}},
		{"included rule", "name: x\nitems:\n- tags: [1]\n", []string{"/items/0/id: required key is missing", "/items/0/tags/0: want str, have int"}},
		{"scalar root", "just text\n", []string{"/: want a map"}},
		{"duplicate key", "name: x\nname: y\n", []string{"/name: duplicate key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := integrationdef.Validate([]byte(tc.doc), []byte(miniSchema))
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err, "want errors %q", tc.want)
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}
