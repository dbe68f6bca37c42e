package exoclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/o365auditlog/o365auditlog/emulator"
)

// benchPageRows is a full ReturnLargeSet page.
const benchPageRows = 5000

// benchPage is a page of benchPageRows rows as the emulator's live profile writes them
// (sidecar @odata.type keys, the L2 envelope), holding the emulator's records.
var benchPage = sync.OnceValues(func() ([]byte, error) {
	em, err := emulator.Start(emulator.Options{Records: benchPageRows, Days: 1, Seed: 7})
	if err != nil {
		return nil, err
	}
	defer em.Close()
	first, last := em.TimeRange()
	ids := em.GroundTruth(emulator.Query{Start: first, End: last.Add(1)})
	var b bytes.Buffer
	b.WriteString(`{"@odata.context":"https://outlook.office365.com/adminapi/beta/$metadata#Collection(Microsoft.Exchange.Management.SystemConfigurationTasks.UnifiedAuditLogEvent)",`)
	b.WriteString(`"adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[],"value":[`)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		text, _ := em.Record(id)
		b.WriteString(`{"RecordType@odata.type":"#Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecordType","RecordType":"SharePointFileOperation",`)
		b.WriteString(`"CreationDate@odata.type":"#DateTime","CreationDate":"2026-12-07T19:23:41.0000000Z","UserIds":"joni.lauer@contoso.onmicrosoft.com","Operations":"FileAccessed","AuditData":`)
		if err := enc.Encode(string(text)); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1) // the encoder's newline
		b.WriteString(`,"ResultIndex@odata.type":"#Int32","ResultIndex":` + strconv.Itoa(i+1) + `,"ResultCount@odata.type":"#Int32","ResultCount":` + strconv.Itoa(len(ids)))
		b.WriteString(`,"Identity":"` + id + `","IsValid":true,"ObjectState":"Unchanged"}`)
	}
	b.WriteString(`]}`)
	return b.Bytes(), nil
})

// BenchmarkDecodePageFast measures the quick page path on a full page of realistic rows;
// ns/record is the figure to compare (issue 15).
func BenchmarkDecodePageFast(b *testing.B) {
	benchDecode(b, func(page []byte) (int, error) {
		p, ok := decodePageFast(page)
		if !ok {
			return 0, errors.New("the quick path left the page")
		}
		return len(p.rows), nil
	})
}

// BenchmarkDecodePage is decodePage from a reader, as the client calls it: the body read
// into a kept buffer, then decoded.
func BenchmarkDecodePage(b *testing.B) {
	benchDecode(b, func(page []byte) (int, error) {
		p, err := decodePage(bytes.NewReader(page), 64<<20)
		return len(p.rows), err
	})
}

// benchDecode runs decode on the benchmark page and reports ns/record.
func benchDecode(b *testing.B, decode func(page []byte) (rows int, err error)) {
	page, err := benchPage()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := decode(page); err != nil || n != benchPageRows {
			b.Fatalf("decoded %d rows: %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchPageRows), "ns/record")
	b.ReportMetric(0, "ns/op")
}
