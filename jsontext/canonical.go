package jsontext

// Canonical is the JSON text of one object in the canonical compact form that contextout's
// sanitiser writes (contextout.Record, contextout.Records), and nothing else. The invariant
// its readers rely on without checking again:
//
//   - it is one valid JSON object, with no insignificant whitespace anywhere;
//   - it is valid UTF-8, and strings escape only '"', '\\', control characters and
//     U+2028/U+2029 (no HTML escaping), so two equal strings have equal text;
//   - it nests at most contextout.MaxDepth deep;
//   - numbers are their exact source text.
//
// Only contextout's sanitiser produces Canonical values: converting other bytes to Canonical
// breaks the contract that lets humanreadable skip a second sanitising pass per record.
type Canonical []byte

// MarshalJSON returns c as is (null when c is nil), as json.RawMessage does, so a Canonical
// marshals as the object it holds rather than as base64.
func (c Canonical) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("null"), nil
	}
	return c, nil
}
