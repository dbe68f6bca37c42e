package exoclient

import (
	"bytes"
	"encoding/json"
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
	page, err := benchPage()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		p, ok := decodePageFast(page)
		if !ok || len(p.rows) != benchPageRows {
			b.Fatalf("decoded %d rows, ok %v", len(p.rows), ok)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchPageRows), "ns/record")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkDecodePage is decodePage from a reader, as the client calls it: the body read
// into a kept buffer, then decoded.
func BenchmarkDecodePage(b *testing.B) {
	page, err := benchPage()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := decodePage(bytes.NewReader(page), 64<<20)
		if err != nil || len(p.rows) != benchPageRows {
			b.Fatalf("decoded %d rows: %v", len(p.rows), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchPageRows), "ns/record")
	b.ReportMetric(0, "ns/op")
}
