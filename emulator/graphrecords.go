package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"strconv"
	"time"
)

// OData annotations Graph writes into auditData (live rows carry "@odata.type" and
// "<Name>@odata.type" keys at several depths; a client must remove them all).
const (
	auditDataType  = "#microsoft.graph.security.auditData"
	nestedJSONType = "#microsoft.graph.Json"
)

// auditUserTypes are Graph's auditUserType members, by AuditData.UserType.
var auditUserTypes = []string{"Regular", "Reserved", "Admin", "DcAdmin", "System", "Application",
	"ServicePrincipal", "CustomPolicy", "SystemPolicy", "PartnerTechnician", "Guest"}

// envelopeFields are the top-level AuditData values a Graph record's envelope repeats,
// captured while annotating (raw JSON values).
type envelopeFields map[string][]byte

// envelopeKeys are the AuditData members envelopeFields keeps.
var envelopeKeys = map[string]bool{"Operation": true, "OrganizationId": true, "UserType": true, "UserKey": true,
	"UserId": true, "ClientIP": true, "ClientIPAddress": true, "ActorIpAddress": true, "Workload": true, "ObjectId": true}

func (f envelopeFields) str(key string) string {
	return unquote(f[key])
}

// unquote decodes a JSON string ("" for anything else); most need no unescaping.
func unquote(raw []byte) string {
	if len(raw) < 2 || raw[0] != '"' {
		return ""
	}
	if !bytes.ContainsRune(raw, '\\') {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// annotate rewrites AuditData text the way Graph serves it: every object gains an
// "@odata.type" member first, and every number or array member a "<Name>@odata.type" member
// before it. Everything else, numbers included, is copied byte for byte, so removing the
// annotations gives back the exact text. The top level's members are captured in env.
func annotate(dst, src []byte, env envelopeFields) []byte {
	a := &annotator{src: src, dst: dst, env: env}
	a.value(0)
	return a.dst
}

type annotator struct {
	src []byte
	i   int
	dst []byte
	env envelopeFields
}

func (a *annotator) ws() {
	for a.i < len(a.src) && (a.src[a.i] == ' ' || a.src[a.i] == '\t' || a.src[a.i] == '\n' || a.src[a.i] == '\r') {
		a.dst = append(a.dst, a.src[a.i])
		a.i++
	}
}

func (a *annotator) peek() byte {
	j := a.i
	for j < len(a.src) && (a.src[j] == ' ' || a.src[j] == '\t' || a.src[j] == '\n' || a.src[j] == '\r') {
		j++
	}
	if j < len(a.src) {
		return a.src[j]
	}
	return 0
}

func (a *annotator) value(depth int) {
	a.ws()
	if a.i >= len(a.src) {
		return
	}
	switch a.src[a.i] {
	case '{':
		a.object(depth)
	case '[':
		a.array(depth)
	case '"':
		a.dst = append(a.dst, a.src[a.i:a.stringEnd()]...)
		a.i = a.stringEnd()
	default:
		j := a.scalarEnd()
		a.dst = append(a.dst, a.src[a.i:j]...)
		a.i = j
	}
}

// stringEnd is the index just past the string starting at a.i.
func (a *annotator) stringEnd() int {
	for j := a.i + 1; j < len(a.src); j++ {
		switch a.src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(a.src)
}

func (a *annotator) scalarEnd() int {
	j := a.i
	for j < len(a.src) && !scalarStop(a.src[j]) {
		j++
	}
	return j
}

// scalarStop reports whether c ends a number or literal.
func scalarStop(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

func (a *annotator) object(depth int) {
	a.dst = append(a.dst, '{')
	a.i++
	typ := nestedJSONType
	if depth == 0 {
		typ = auditDataType
	}
	a.dst = append(a.dst, `"@odata.type":`...)
	a.dst = appendJSONString(a.dst, typ)
	if a.peek() != '}' {
		a.dst = append(a.dst, ',')
	}
	for {
		a.ws()
		if a.i >= len(a.src) {
			return
		}
		if a.src[a.i] == '}' {
			a.dst = append(a.dst, '}')
			a.i++
			return
		}
		if a.src[a.i] == ',' {
			a.dst = append(a.dst, ',')
			a.i++
			continue
		}
		a.member(depth)
	}
}

// member copies one "key": value, with its sidecar annotation before it when the value is a
// number or an array.
func (a *annotator) member(depth int) {
	keyEnd := a.stringEnd()
	key := a.src[a.i:keyEnd]
	j := keyEnd
	for j < len(a.src) && a.src[j] != ':' {
		j++
	}
	sep := a.src[keyEnd:min(j+1, len(a.src))]
	a.i = min(j+1, len(a.src))
	if t := a.sidecarType(); t != "" && len(key) >= 2 {
		a.dst = append(a.dst, '"')
		a.dst = append(a.dst, key[1:len(key)-1]...)
		a.dst = append(a.dst, `@odata.type":`...)
		a.dst = appendJSONString(a.dst, t)
		a.dst = append(a.dst, ',')
	}
	a.dst = append(a.dst, key...)
	a.dst = append(a.dst, sep...)
	start := len(a.dst)
	a.value(depth + 1)
	if depth == 0 && a.env != nil {
		if k := unquote(key); envelopeKeys[k] {
			a.env[k] = bytes.TrimSpace(a.dst[start:])
		}
	}
}

// sidecarType is the OData type annotation for the value at a.i, or "" for none.
func (a *annotator) sidecarType() string {
	switch c := a.peek(); {
	case c == '[':
		return "#Collection(String)"
	case c == '-' || (c >= '0' && c <= '9'):
		j := a.i
		for j < len(a.src) && (a.src[j] == ' ' || a.src[j] == '\t' || a.src[j] == '\n' || a.src[j] == '\r') {
			j++
		}
		k := j
		for k < len(a.src) && !scalarStop(a.src[k]) {
			k++
		}
		n, err := strconv.ParseInt(string(a.src[j:k]), 10, 64)
		switch {
		case err != nil:
			return "#Double"
		case int64(int32(n)) == n:
			return "#Int32"
		}
		return "#Int64"
	}
	return ""
}

func (a *annotator) array(depth int) {
	a.dst = append(a.dst, '[')
	a.i++
	for {
		a.ws()
		if a.i >= len(a.src) {
			return
		}
		switch a.src[a.i] {
		case ']':
			a.dst = append(a.dst, ']')
			a.i++
			return
		case ',':
			a.dst = append(a.dst, ',')
			a.i++
		default:
			a.value(depth + 1)
		}
	}
}

// renderGraphRecord writes one auditLogRecord: the envelope Graph builds from the AuditData,
// with the live traps (userId is the UserKey, userPrincipalName the UserId, clientIp null,
// administrativeUnits [""]), and the annotated AuditData object.
func (e *Emulator) renderGraphRecord(dst []byte, m *meta) []byte {
	st := e.store
	text := st.text(m)
	env := envelopeFields{}
	audit := annotate(make([]byte, 0, len(text)+len(text)/3), text, env)
	k := &st.kinds[m.kind]
	w := &jw{b: dst}
	w.obj()
	w.s("id", st.id(m))
	w.s("createdDateTime", time.Unix(m.t, 0).UTC().Format(time.RFC3339))
	if k.typeName != "" {
		w.s("auditLogRecordType", k.typeName)
	} else {
		w.s("auditLogRecordType", graphRecordTypeName(k.recordType))
	}
	w.s("operation", cmp.Or(env.str("Operation"), k.op))
	w.s("organizationId", env.str("OrganizationId"))
	w.s("userType", graphUserType(env["UserType"]))
	upn := env.str("UserId")
	if e.live() {
		w.s("userId", env.str("UserKey"))
	} else {
		w.s("userId", upn)
	}
	w.s("userPrincipalName", upn)
	if ip := cmp.Or(env.str("ClientIP"), env.str("ClientIPAddress"), env.str("ActorIpAddress")); ip != "" && !e.live() {
		w.s("clientIp", ip)
	} else {
		w.null("clientIp")
	}
	w.s("service", cmp.Or(env.str("Workload"), k.workload))
	w.s("objectId", env.str("ObjectId"))
	w.ka("administrativeUnits")
	w.vs("")
	w.endArr()
	w.key("auditData")
	w.sep()
	w.b = append(w.b, audit...)
	w.endObj()
	return w.b
}

// graphUserType names AuditData.UserType (a number) as Graph's auditUserType does.
func graphUserType(raw []byte) string {
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
		return "Regular"
	}
	if n >= 0 && n < len(auditUserTypes) {
		return auditUserTypes[n]
	}
	return "UnknownFutureValue"
}
