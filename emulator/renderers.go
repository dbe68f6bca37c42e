package emulator

import (
	"fmt"
	"path"
	"strings"
)

// The renderers write each workload's own fields, after the common ones, in the shapes the
// Office 365 Management Activity API schema documents.

func renderSignIn(w *jw, c *renderCtx) {
	appID := c.obj
	w.n("AzureActiveDirectoryEventType", 1)
	w.ka("ExtendedProperties")
	w.nv("ResultStatusDetail", map[bool]string{true: "UserError", false: "Redirect"}[c.failed])
	w.nv("UserAgent", c.pick(userAgents))
	w.nv("UserAuthenticationMethod", fmt.Sprint(1+c.r.IntN(3)))
	w.nv("RequestType", c.pick([]string{"OAuth2:Token", "OAuth2:Authorize", "Login:login", "SAS:ProcessAuth"}))
	if !c.failed {
		w.nv("KeepMeSignedIn", "false")
	}
	w.endArr()
	w.ka("ModifiedProperties")
	w.endArr()
	w.ka("Actor")
	w.idType(c.userKey(), 0)
	w.idType(c.user, 5)
	w.endArr()
	w.s("ActorContextId", c.g.orgGUID)
	w.s("ActorIpAddress", c.ip)
	w.s("InterSystemsId", c.uuid(1))
	w.s("IntraSystemId", c.id)
	w.s("SupportTicketId", "")
	w.ka("Target")
	w.idType(appID, 0)
	w.endArr()
	w.s("TargetContextId", c.g.orgGUID)
	w.s("ApplicationId", appID)
	w.s("ClientIP", c.ip)
	if c.failed {
		e := logonErrors[c.r.IntN(len(logonErrors))]
		w.s("ErrorNumber", fmt.Sprint(50000+c.r.IntN(200)))
		w.s("LogonError", e.code)
	} else {
		w.ka("DeviceProperties")
		w.nv("OS", c.pick([]string{"Windows10", "MacOs", "Ios", "Android"}))
		w.nv("BrowserType", c.pick([]string{"Edge", "Chrome", "Safari", "Other"}))
		w.endArr()
	}
}

func renderDirectory(w *jw, c *renderCtx) {
	target := c.g.userKeys[c.r.IntN(len(c.g.userKeys))]
	w.n("AzureActiveDirectoryEventType", 1)
	w.ka("ExtendedProperties")
	w.nv("additionalDetails", "{}")
	w.nv("extendedAuditEventCategory", "User")
	w.endArr()
	w.ka("ModifiedProperties")
	w.obj()
	w.s("Name", "StrongAuthenticationMethod")
	w.s("NewValue", `[{"MethodType": 6, "Default": true}]`)
	w.s("OldValue", "[]")
	w.endObj()
	w.obj()
	w.s("Name", "Included Updated Properties")
	w.s("NewValue", "StrongAuthenticationMethod")
	w.s("OldValue", "")
	w.endObj()
	w.endArr()
	w.ka("Actor")
	w.idType(c.user, 5)
	w.idType(c.userKey(), 3)
	w.endArr()
	w.s("ActorContextId", c.g.orgGUID)
	w.s("InterSystemsId", c.uuid(2))
	w.s("IntraSystemId", c.uuid(3))
	w.s("SupportTicketId", "")
	w.ka("Target")
	w.idType("User_"+c.uuid(4), 2)
	w.idType(target, 3)
	w.endArr()
	w.s("TargetContextId", c.g.orgGUID)
}

func renderMailItems(w *jw, c *renderCtx) {
	w.s("AppId", "00000002-0000-0ff1-ce00-000000000000")
	w.s("ClientAppId", c.pick([]string{"d3590ed6-52b3-4102-aeff-aad2292ab01c", "27922004-5251-4030-b22d-91ecd9a37ea4", ""}))
	w.s("ClientIPAddress", c.ip)
	w.s("ClientInfoString", "Client=OutlookService;"+c.pick(userAgents)+";")
	w.s("ExternalAccess", "false")
	w.s("InternalLogonType", "0")
	w.s("LogonType", "0")
	w.s("LogonUserSid", "S-1-5-21-"+fmt.Sprint(1000000000+c.r.IntN(999999999)))
	w.s("MailboxGuid", c.uuid(5))
	w.s("MailboxOwnerSid", "S-1-5-21-"+fmt.Sprint(1000000000+c.r.IntN(999999999)))
	w.s("MailboxOwnerUPN", c.user)
	w.s("OrganizationName", c.g.org.domain)
	w.s("OriginatingServer", fmt.Sprintf("BY5PR%02dMB%04d (15.20.7698.%03d)", c.r.IntN(20), c.r.IntN(9999), c.r.IntN(999)))
	w.ka("OperationProperties")
	w.nv("MailAccessType", c.pick([]string{"Bind", "Sync"}))
	w.nv("IsThrottled", "False")
	w.endArr()
	w.ka("Folders")
	w.obj()
	w.ka("FolderItems")
	for range 1 + c.r.IntN(3) {
		w.obj()
		w.s("InternetMessageId", fmt.Sprintf("<%s@%s>", strings.ReplaceAll(c.uuid(6), "-", ""), c.g.org.domain))
		w.n("SizeInBytes", int64(2000+c.r.IntN(200000)))
		w.endObj()
	}
	w.endArr()
	w.s("Id", "LgAAAAAdhAMRqmYRzZvIAKoAL8RaDQA"+strings.ToUpper(c.uuid(7)[:8]))
	w.s("Path", `\Inbox`)
	w.endObj()
	w.endArr()
	w.n("OperationCount", int64(1+c.r.IntN(20)))
}

func renderMailSend(w *jw, c *renderCtx) {
	w.s("AppId", "00000002-0000-0ff1-ce00-000000000000")
	w.s("ClientIPAddress", c.ip)
	w.s("ClientInfoString", "Client=MSExchangeRPC")
	w.s("ExternalAccess", "false")
	w.s("InternalLogonType", "0")
	w.s("LogonType", "0")
	w.s("MailboxGuid", c.uuid(8))
	w.s("MailboxOwnerUPN", c.user)
	w.s("OrganizationName", c.g.org.domain)
	w.ko("Item")
	w.s("Id", "RgAAAAAdhAMRqmYRzZvIAKoAL8RaBwB"+strings.ToUpper(c.uuid(9)[:12]))
	w.s("InternetMessageId", fmt.Sprintf("<%s@%s>", strings.ReplaceAll(c.uuid(10), "-", ""), c.g.org.domain))
	w.ko("ParentFolder")
	w.s("Path", c.pick([]string{`\Sent Items`, `\Inbox`, `\Drafts`}))
	w.endObj()
	w.n("SizeInBytes", int64(3000+c.r.IntN(500000)))
	w.s("Subject", c.pick([]string{"Re: Q3 budget", "Invoice overdue", "Meeting notes", "Password expiry notice", "FW: contract draft"}))
	w.endObj()
}

func renderAdminCmdlet(w *jw, c *renderCtx) {
	w.s("ExternalAccess", "false")
	w.s("OrganizationName", c.g.org.domain)
	w.s("OriginatingServer", fmt.Sprintf("DM6PR%02dMB%04d (15.20.7698.000)", c.r.IntN(20), c.r.IntN(9999)))
	w.ka("Parameters")
	mbx := strings.SplitN(c.user, "@", 2)[0]
	switch c.op {
	case "New-InboxRule":
		w.nv("Name", "Forward to external")
		w.nv("Mailbox", mbx)
		w.nv("ForwardTo", c.pick([]string{"drop@protonmail.example", "archive@gmail.example", "backup@outlook.example"}))
		w.nv("StopProcessingRules", "True")
		w.nv("AlwaysDeleteOutlookRulesBlob", "False")
	case "Set-Mailbox":
		w.nv("Identity", c.obj)
		w.nv("DeliverToMailboxAndForward", "True")
		w.nv("ForwardingSmtpAddress", "smtp:"+c.pick([]string{"drop@protonmail.example", "finance@partner.example"}))
	default:
		w.nv("Identity", c.obj)
		w.nv("User", c.g.userKeys[c.r.IntN(len(c.g.userKeys))])
		w.nv("AccessRights", "FullAccess")
		w.nv("InheritanceType", "All")
	}
	w.endArr()
	w.s("SessionId", c.uuid(11))
	w.s("AppId", "fb78d390-0c51-40cd-8e17-fdbfab77341b")
	w.s("ClientAppId", "")
	w.s("RequestId", c.uuid(12))
}

func renderFile(w *jw, c *renderCtx) {
	dir, file := path.Split(c.obj)
	ext := strings.TrimPrefix(path.Ext(file), ".")
	w.s("CorrelationId", c.uuid(13))
	w.s("EventSource", "SharePoint")
	w.s("ItemType", "File")
	w.s("ListId", c.uuid(14))
	w.s("ListItemUniqueId", c.uuid(15))
	w.s("Site", c.uuid(16))
	w.s("UserAgent", c.pick(userAgents))
	w.s("WebId", c.uuid(17))
	w.bl("HighPriorityMediaProcessing", false)
	w.s("ApplicationDisplayName", c.pick([]string{"Microsoft SharePoint Online Web Client Extensibility", "OneDrive SyncEngine", "Microsoft Office"}))
	w.s("DeviceDisplayName", c.ip)
	w.bl("IsManagedDevice", c.r.IntN(3) > 0)
	w.s("Platform", c.pick([]string{"WinDesktop", "MacDesktop", "iOS", "Android", "WebBrowser"}))
	w.s("SourceFileExtension", ext)
	w.s("SiteUrl", siteURL(c.obj))
	w.s("SourceFileName", file)
	w.s("SourceRelativeUrl", relativeDir(dir))
	if c.op == "FileModified" || c.op == "FileUploaded" {
		w.n("FileSizeBytes", int64(10000+c.r.IntN(4000000)))
	}
}

func siteURL(obj string) string {
	for _, sep := range []string{"/Shared Documents/", "/Documents/"} {
		if i := strings.Index(obj, sep); i >= 0 {
			return obj[:i+1]
		}
	}
	return obj
}

func relativeDir(dir string) string {
	for _, sep := range []string{"/sites/", "/personal/"} {
		if i := strings.Index(dir, sep); i >= 0 {
			parts := strings.SplitN(dir[i+len(sep):], "/", 2)
			if len(parts) == 2 {
				return strings.TrimSuffix(parts[1], "/")
			}
		}
	}
	return ""
}

func renderSharing(w *jw, c *renderCtx) {
	_, file := path.Split(c.obj)
	w.s("CorrelationId", c.uuid(18))
	w.s("EventSource", "SharePoint")
	w.s("ItemType", "File")
	w.s("ListId", c.uuid(19))
	w.s("ListItemUniqueId", c.uuid(20))
	w.s("Site", c.uuid(21))
	w.s("UserAgent", c.pick(userAgents))
	w.s("WebId", c.uuid(22))
	w.s("SiteUrl", siteURL(c.obj))
	w.s("SourceFileName", file)
	if c.op == "AnonymousLinkCreated" {
		w.s("EventData", "<Type>View</Type><MembersCanShare>Enabled</MembersCanShare>")
		w.s("TargetUserOrGroupType", "Anonymous")
	} else {
		w.s("EventData", "<PermissionsGranted>Read</PermissionsGranted>")
		w.s("TargetUserOrGroupName", c.pick([]string{"partner@fabrikam.example", "Everyone except external users", "vendor@tailspin.example"}))
		w.s("TargetUserOrGroupType", c.pick([]string{"Guest", "SharePointGroup", "Member"}))
	}
}

func renderTeams(w *jw, c *renderCtx) {
	team := strings.TrimSuffix(strings.TrimPrefix(c.obj, "19:"), "a1b2c3d4e5f6@thread.tacv2")
	w.s("ChatThreadId", c.obj)
	w.s("CommunicationType", c.pick([]string{"Team", "GroupChat", "OneOnOne"}))
	w.s("TeamName", strings.ToUpper(team[:1])+team[1:])
	w.s("TeamGuid", seededUUID(c.g.seed, 0x7ea, hashString(team)))
	w.ka("Members")
	w.obj()
	w.s("DisplayName", displayName(c.user))
	w.n("Role", int64(c.r.IntN(3)))
	w.s("UPN", c.user)
	w.endObj()
	w.endArr()
	w.s("MessageId", fmt.Sprint(1700000000000+c.r.Int64N(99999999999)))
	w.s("ItemName", "General")
	w.s("AADGroupId", seededUUID(c.g.seed, 0xa4d, hashString(team)))
	w.s("ParentMessageId", "")
}

func displayName(upn string) string {
	local := strings.SplitN(upn, "@", 2)[0]
	parts := strings.Split(local, ".")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

func renderPowerBI(w *jw, c *renderCtx) {
	w.s("UserAgent", c.pick(userAgents))
	w.s("Activity", c.op)
	w.s("ItemName", c.obj)
	w.s("WorkSpaceName", strings.SplitN(c.obj, " ", 2)[0])
	w.s("DatasetName", c.obj)
	w.s("ReportName", c.obj)
	w.s("CapacityId", c.uuid(23))
	w.s("CapacityName", "Premium Per User - Reserved")
	w.s("WorkspaceId", c.uuid(24))
	w.s("DatasetId", c.uuid(25))
	w.s("ReportId", c.uuid(26))
	w.s("ArtifactId", c.uuid(27))
	w.s("ArtifactName", c.obj)
	w.bl("IsSuccess", true)
	w.s("ReportType", "PowerBIReport")
	w.s("RequestId", c.uuid(28))
	w.s("ActivityId", c.uuid(29))
	w.s("DistributionMethod", "Workspace")
	if c.op == "ExportReport" {
		w.s("ExportEventStartDateTimeUTC", c.t.Format("2006-01-02T15:04:05.000Z"))
		w.s("ExportedArtifactInfo", `{"ExportType":"PDF","ArtifactType":"Report","ArtifactId":1}`)
	}
}

func renderDLP(w *jw, c *renderCtx) {
	w.s("IncidentId", c.uuid(30))
	w.s("PolicyMatchInfo", "")
	w.ka("PolicyDetails")
	w.obj()
	w.s("PolicyId", c.uuid(31))
	w.s("PolicyName", c.pick([]string{"U.S. Financial Data", "GDPR Enhanced", "PCI DSS"}))
	w.ka("Rules")
	w.obj()
	w.ka("Actions")
	w.vs(c.pick([]string{"NotifyUser", "BlockAccess", "GenerateIncidentReport"}))
	w.endArr()
	w.n("ConditionsMatched", 1)
	w.s("RuleId", c.uuid(32))
	w.s("RuleName", c.pick([]string{"Low volume of content detected", "High volume of content detected"}))
	w.s("Severity", c.pick([]string{"Low", "Medium", "High"}))
	w.endObj()
	w.endArr()
	w.endObj()
	w.endArr()
	w.ka("SensitiveInfoDetectionIsIncluded")
	w.endArr()
	if c.workload == "Exchange" {
		w.ko("ExchangeMetaData")
		w.s("From", c.user)
		w.ka("To")
		w.vs(c.pick([]string{"partner@fabrikam.example", "me@gmail.example"}))
		w.endArr()
		w.s("Subject", c.pick([]string{"Card numbers", "Customer list", "Payroll"}))
		w.s("MessageID", fmt.Sprintf("<%s@%s>", strings.ReplaceAll(c.uuid(33), "-", ""), c.g.org.domain))
		w.endObj()
	} else {
		w.ko("SharePointMetaData")
		w.s("FilePathUrl", c.obj)
		w.s("FileName", path.Base(c.obj))
		w.s("SiteCollectionUrl", siteURL(c.obj))
		w.endObj()
	}
}

func renderAlert(w *jw, c *renderCtx) {
	w.s("AlertId", c.uuid(34))
	w.s("AlertType", "System")
	w.s("Name", c.obj)
	w.s("PolicyId", c.uuid(35))
	w.s("Status", "Active")
	w.s("Severity", c.pick([]string{"Low", "Medium", "High", "Informational"}))
	w.s("Category", c.pick([]string{"ThreatManagement", "DataLossPrevention", "InformationGovernance"}))
	w.s("Source", "Office 365 Security & Compliance")
	w.s("Comments", "New alert")
	w.s("Data", fmt.Sprintf(`{"etype":"User","eid":"%s","op":"AlertTriggered","tdc":"1","ts":"%s"}`, c.user, c.t.Format(timeLayout)))
	w.s("AlertEntityId", c.user)
	w.s("EntityType", "User")
}

func renderThreatIntel(w *jw, c *renderCtx) {
	w.s("AttachmentData", "")
	w.s("DetectionType", c.pick([]string{"Inline", "Delayed", "ZAP"}))
	w.s("DetectionMethod", c.pick([]string{"URL malicious reputation", "File detonation", "Spoof DMARC"}))
	w.s("InternetMessageId", fmt.Sprintf("<%s@mail.example>", strings.ReplaceAll(c.uuid(36), "-", "")))
	w.s("NetworkMessageId", c.uuid(37))
	w.s("P1Sender", c.pick([]string{"billing@invoices.example", "it-support@c0ntoso.example"}))
	w.s("P2Sender", c.pick([]string{"billing@invoices.example", "noreply@docs.example"}))
	w.s("Policy", "Phish")
	w.s("PolicyAction", "MoveToJmf")
	w.ka("Recipients")
	w.vs(c.user)
	w.endArr()
	w.s("SenderIp", c.ip)
	w.s("Subject", c.pick([]string{"Your invoice is ready", "Password expires today", "Shared document"}))
	w.s("Verdict", "Phish")
	w.s("MessageTime", c.t.Add(-2*60e9).Format(timeLayout))
	w.s("EventDeepLink", "https://security.microsoft.com/?hash=/threatexplorer?messageParams="+c.uuid(38))
}
