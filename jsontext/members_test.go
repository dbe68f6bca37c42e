package jsontext

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMembers(t *testing.T) {
	cases := []struct {
		name, in string
		want     [][2]string
	}{
		{"empty", `{}`, nil},
		{"scalars", `{"a":1,"b":"x","c":true,"d":null}`, [][2]string{{`"a"`, `1`}, {`"b"`, `"x"`}, {`"c"`, `true`}, {`"d"`, `null`}}},
		{"nested and escaped", `{"k\"}":{"x":[1,{"y":"]}"}]},"z":[]}`, [][2]string{{`"k\"}"`, `{"x":[1,{"y":"]}"}]}`}, {`"z"`, `[]`}}},
		{"duplicates kept", `{"a":1,"a":2}`, [][2]string{{`"a"`, `1`}, {`"a"`, `2`}}},
		{"broken text ends without panic", `{"a"`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got [][2]string
			for k, v := range Canonical(tc.in).Members() {
				got = append(got, [2]string{string(k), string(v)})
			}
			require.Equal(t, tc.want, got)
		})
	}
}
