package commands

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/o365auditlog/o365auditlog/auditsearch"
	"github.com/o365auditlog/o365auditlog/contextout"
)

// benchRecordRest is the rest of a typical SharePoint record after its CreationTime and Id.
const benchRecordRest = `"Operation":"FileAccessed","OrganizationId":"77e9e2a4-bc9f-4054-b451-18bf0a7f61e9","RecordType":6,"UserKey":"1003208AFA9B1B81","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"203.236.222.128","ObjectId":"https://contoso.sharepoint.com/sites/Security/Shared Documents/Payroll 2026 15.docx","UserId":"joni.lauer@contoso.onmicrosoft.com","CorrelationId":"2fcf2094-2fb4-48f8-b5db-9b69cbcdcc98","EventSource":"SharePoint","ItemType":"File","ListId":"63d5f0f6-7907-4522-bcf6-ce5758ba26dd","ListItemUniqueId":"8f285527-afd9-47f8-9b30-c1616e6911cd","Site":"1a28e117-9b0c-41ae-81f7-4761a8d6640c","UserAgent":"python-requests/2.31.0","WebId":"1fefa55d-8031-4d97-a07b-65a03c9706f4","HighPriorityMediaProcessing":false,"ApplicationDisplayName":"OneDrive SyncEngine","DeviceDisplayName":"203.236.222.128","IsManagedDevice":true,"Platform":"WinDesktop","SourceFileExtension":"docx","SiteUrl":"https://contoso.sharepoint.com/sites/Security/","SourceFileName":"Payroll 2026 15.docx","SourceRelativeUrl":"Shared Documents"}`

// benchRecord is a row as exoclient decodes it: sanitised already (Canonical).
func benchRecord(b *testing.B, id string, created time.Time) auditsearch.Record {
	audit := []byte(`{"CreationTime":"` + created.Format("2006-01-02T15:04:05") + `","Id":"` + id + `",` + benchRecordRest)
	canon, err := contextout.Record(audit)
	if err != nil {
		b.Fatal(err)
	}
	return auditsearch.Record{ID: id, CreationTime: created, AuditData: audit, Canonical: canon}
}

// BenchmarkSpillAdd spills a window of 5,000 rows of about 1 KB (canonical AuditData, as
// the service sends it, sanitised by the client's decode) as one run.
func BenchmarkSpillAdd(b *testing.B) {
	const n = 5000
	rows := make([]auditsearch.Record, n)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		id := "a5553064-ffc7-4991-bc9c-" + strconv.Itoa(100000000000+i*7919%n)
		created := t0.Add(time.Duration(i*7919%n) * time.Second)
		rows[i] = benchRecord(b, id, created)
	}
	s, err := newRunSpill(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.add(rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSpillMerge merges 40 spilled runs of 5,000 rows (200,000 records of about
// 1 KB) into a JSON Lines file, as the end of an export does.
func BenchmarkSpillMerge(b *testing.B) {
	const runs, n = 40, 5000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := newRunSpill(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	for r := range runs {
		rows := make([]auditsearch.Record, n)
		for i := range rows {
			id := "a5553064-ffc7-4991-bc9c-" + strconv.Itoa(100000000000+r*n+i)
			created := t0.Add(time.Duration((i*runs+r)*7919%(runs*n)) * time.Second)
			rows[i] = benchRecord(b, id, created)
		}
		if err := s.add(rows); err != nil {
			b.Fatal(err)
		}
	}
	out, err := os.Create(filepath.Join(b.TempDir(), "out.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := out.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if got, err := s.mergeTo(out, runs*n); err != nil || got != runs*n {
			b.Fatal(got, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*runs*n), "ns/record")
	b.ReportMetric(0, "ns/op")
}
