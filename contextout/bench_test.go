package contextout_test

import (
	"testing"

	"github.com/o365auditlog/o365auditlog/contextout"
)

// benchRecords are records as the service (and the emulator) sends them: compact, so
// already canonical, about 1 KB each.
var benchRecords = [][]byte{
	[]byte(`{"CreationTime":"2026-12-07T19:23:41","Id":"a5553064-ffc7-4991-bc9c-95db513dbd23","Operation":"FileAccessed","OrganizationId":"77e9e2a4-bc9f-4054-b451-18bf0a7f61e9","RecordType":6,"UserKey":"1003208AFA9B1B81","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"203.236.222.128","ObjectId":"https://contoso.sharepoint.com/sites/Security/Shared Documents/Payroll 2026 15.docx","UserId":"joni.lauer@contoso.onmicrosoft.com","CorrelationId":"2fcf2094-2fb4-48f8-b5db-9b69cbcdcc98","EventSource":"SharePoint","ItemType":"File","ListId":"63d5f0f6-7907-4522-bcf6-ce5758ba26dd","ListItemUniqueId":"8f285527-afd9-47f8-9b30-c1616e6911cd","Site":"1a28e117-9b0c-41ae-81f7-4761a8d6640c","UserAgent":"python-requests/2.31.0","WebId":"1fefa55d-8031-4d97-a07b-65a03c9706f4","HighPriorityMediaProcessing":false,"ApplicationDisplayName":"OneDrive SyncEngine","DeviceDisplayName":"203.236.222.128","IsManagedDevice":true,"Platform":"WinDesktop","SourceFileExtension":"docx","SiteUrl":"https://contoso.sharepoint.com/sites/Security/","SourceFileName":"Payroll 2026 15.docx","SourceRelativeUrl":"Shared Documents"}`),
	[]byte(`{"CreationTime":"2026-12-07T19:23:38","Id":"b461cb14-219b-4377-a997-0318faa4d33a","Operation":"MoveToDeletedItems","OrganizationId":"77e9e2a4-bc9f-4054-b451-18bf0a7f61e9","RecordType":2,"ResultStatus":"Succeeded","UserKey":"10032066F96A5D20","UserType":0,"Version":1,"Workload":"Exchange","ClientIP":"172.111.41.117","ObjectId":"yuki.johnson","UserId":"yuki.johnson@contoso.onmicrosoft.com","AppId":"00000002-0000-0ff1-ce00-000000000000","ClientIPAddress":"172.111.41.117","ClientInfoString":"Client=MSExchangeRPC","ExternalAccess":"false","InternalLogonType":"0","LogonType":"0","MailboxGuid":"fb93287d-5ece-4301-80b6-a5857f1d3263","MailboxOwnerUPN":"yuki.johnson@contoso.onmicrosoft.com","OrganizationName":"contoso.onmicrosoft.com","Item":{"Id":"RgAAAAAdhAMRqmYRzZvIAKoAL8RaBwB46EF1C05-B71","InternetMessageId":"<99b710dfc7254eb58226bbb2b048a399@contoso.onmicrosoft.com>","ParentFolder":{"Path":"\\Drafts"},"SizeInBytes":273468,"Subject":"Password expiry notice"}}`),
	[]byte(`{"CreationTime":"2026-12-07T19:22:24","Id":"3bd4c19d-c315-4b78-a28b-62ff8e46e1fa","Operation":"UserLoggedIn","OrganizationId":"77e9e2a4-bc9f-4054-b451-18bf0a7f61e9","RecordType":15,"ResultStatus":"Succeeded","UserKey":"08bacc06-4d5c-4362-93c9-33b80839d5a7","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ObjectId":"4765445b-32c6-49b0-83e6-1d93765276ca","UserId":"enrico.catteneo@contoso.onmicrosoft.com","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"ResultStatusDetail","Value":"Redirect"},{"Name":"UserAgent","Value":"OneDriveMpc-Transform_Thumbnail/1.0"},{"Name":"UserAuthenticationMethod","Value":"1"},{"Name":"RequestType","Value":"Login:login"},{"Name":"KeepMeSignedIn","Value":"false"}],"ModifiedProperties":[],"Actor":[{"ID":"08bacc06-4d5c-4362-93c9-33b80839d5a7","Type":0},{"ID":"enrico.catteneo@contoso.onmicrosoft.com","Type":5}],"ActorContextId":"77e9e2a4-bc9f-4054-b451-18bf0a7f61e9","ActorIpAddress":"86.249.240.200","InterSystemsId":"8ca74481-1104-45b5-a547-59497203450f","IntraSystemId":"3bd4c19d-c315-4b78-a28b-62ff8e46e1fa","SupportTicketId":"","Target":[{"ID":"4765445b-32c6-49b0-83e6-1d93765276ca","Type":0}],"TargetContextId":"77e9e2a4-bc9f-4054-b451-18bf0a7f61e9","ApplicationId":"4765445b-32c6-49b0-83e6-1d93765276ca","ClientIP":"86.249.240.200","DeviceProperties":[{"Name":"OS","Value":"Ios"},{"Name":"BrowserType","Value":"Edge"}]}`),
}

// BenchmarkRecordCanonical is the common case: a record that is canonical already, which
// Record checks in one scan and returns as is.
func BenchmarkRecordCanonical(b *testing.B) {
	n := 0
	for _, r := range benchRecords {
		n += len(r)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range benchRecords {
			if _, err := contextout.Record(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(benchRecords)), "ns/record")
	b.ReportMetric(0, "ns/op")
}
