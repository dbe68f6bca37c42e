package emulator

import (
	"strconv"
	"time"
)

// pageSpec is one page before rendering: the record positions and their numbering. Pages
// are kept in this form (4 bytes a row) until written, so split pages waiting behind an
// @odata.nextLink cost little.
type pageSpec struct {
	pos        []int32 // never mutated: session orders are immutable once built
	firstIndex int     // ResultIndex of pos[0]
	count      int     // ResultCount of every row
	bogus      bool    // ResultIndex -1 and ResultCount 0
	call       uint64  // picks the row representations, so a refetch renders the same
}

func (e *Emulator) newPage(pos []int32, firstIndex, count int, bogus bool) *pageSpec {
	return &pageSpec{pos: pos, firstIndex: firstIndex, count: count, bogus: bogus, call: e.nextCall()}
}

// render turns rows [from, to) of a page into InvokeCommand rows.
func (e *Emulator) render(p *pageSpec, from, to int) [][]byte {
	out := make([][]byte, 0, to-from)
	for i := from; i < to; i++ {
		idx, cnt := p.firstIndex+i, p.count
		if p.bogus {
			idx, cnt = -1, 0
		}
		out = append(out, e.renderRow(&e.store.recs[p.pos[i]], idx, cnt, p.call))
	}
	return out
}

func (e *Emulator) renderRow(m *meta, index, count int, call uint64) []byte {
	st := e.store
	k := &st.kinds[m.kind]
	id := st.id(m)
	quoted := st.quotedText(m)
	var text []byte
	if quoted == nil {
		text = st.text(m)
	}
	variant := uint64(0)
	if e.opts.VaryRepresentations {
		variant = mix64(uint64(m.src)^call*0x9e37) % 4
	}
	t := time.Unix(m.t, 0).UTC()
	w := &jw{b: make([]byte, 0, len(quoted)+len(text)+len(text)/8+400)}
	live := e.live()
	// sidecar writes the live service's "<Name>@odata.type" key before a property (L2).
	sidecar := func(name, typ string) {
		if live {
			w.s(name+"@odata.type", typ)
		}
	}
	w.obj()
	switch {
	case k.typeName != "":
		w.s("RecordType", k.typeName)
	case variant == 1:
		w.n("RecordType", int64(k.recordType))
	case variant == 2:
		w.s("RecordType", strconv.Itoa(k.recordType))
	default:
		sidecar("RecordType", "#Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecordType")
		w.s("RecordType", recordTypeName(k.recordType))
	}
	switch variant {
	case 1:
		w.s("CreationDate", "/Date("+strconv.FormatInt(t.UnixMilli(), 10)+")/")
	case 2:
		w.s("CreationDate", t.Format(timeLayout))
	case 3:
		w.s("CreationDate", t.Format("2006-01-02T15:04:05+00:00"))
	default:
		if live {
			sidecar("CreationDate", "#DateTime")
			w.s("CreationDate", t.Format("2006-01-02T15:04:05.0000000Z")) // 7 digits, as .NET writes
		} else {
			w.s("CreationDate", t.Format(time.RFC3339))
		}
	}
	w.s("UserIds", st.users[m.user])
	w.s("Operations", k.op)
	w.key("AuditData")
	w.sep()
	if quoted != nil {
		w.b = append(w.b, quoted...)
	} else {
		w.b = appendJSON(w.b, text)
	}
	if variant == 2 {
		w.s("ResultIndex", strconv.Itoa(index))
		w.s("ResultCount", strconv.Itoa(count))
	} else {
		sidecar("ResultIndex", "#Int32")
		w.n("ResultIndex", int64(index))
		sidecar("ResultCount", "#Int32")
		w.n("ResultCount", int64(count))
	}
	w.s("Identity", id)
	w.bl("IsValid", true)
	w.s("ObjectState", "Unchanged")
	w.endObj()
	return w.b
}
