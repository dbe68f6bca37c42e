package emulator

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Object categories: which pool a kind's ObjectId comes from.
const (
	objNone = iota
	objApp
	objSharePoint
	objOneDrive
	objMailbox
	objInboxRule
	objTeam
	objReport
	objAlert
)

// kind is one (RecordType, Operation, Workload) the generator produces, with its weight in the
// mix and the renderer of its workload-specific fields.
type kind struct {
	recordType int
	op         string
	workload   string
	weight     int
	objCat     int
	render     func(w *jw, c *renderCtx)
}

// renderCtx carries what a renderer needs for one record.
type renderCtx struct {
	r        *rand.Rand
	g        *generator
	m        *meta
	user     string
	ip       string
	obj      string
	t        time.Time
	id       string
	failed   bool
	workload string
	op       string
}

var firstNames = []string{"Adele", "Alex", "Allan", "Bianca", "Brian", "Cameron", "Christie", "Debra", "Diego", "Emily",
	"Enrico", "Gerhart", "Grady", "Henrietta", "Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan",
	"Miriam", "Nestor", "Patti", "Pradeep", "Raul", "Sara", "Stefan", "Tomas", "Wanda", "Yuki", "Zrinka", "Omar", "Priya", "Chen"}

var lastNames = []string{"Vance", "Wilber", "Deyoung", "Pincher", "Johnson", "White", "Cline", "Berg", "Siciliani", "Braun",
	"Catteneo", "Boehm", "Archie", "Thomas", "Sayers", "Fiala", "Lauer", "Sherman", "Gu", "Holloway", "Valdez", "Bowen",
	"Patel", "Wilke", "Nakamura", "Kovacs", "Haddad", "Lindqvist", "Okafor", "Moreau"}

var firstParty = []struct{ id, name string }{
	{"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
	{"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
	{"00000003-0000-0000-c000-000000000000", "Microsoft Graph"},
	{"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"},
	{"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"},
	{"00000009-0000-0000-c000-000000000000", "Power BI Service"},
	{"4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"},
	{"fb78d390-0c51-40cd-8e17-fdbfab77341b", "Microsoft Exchange REST API Based Powershell"},
}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"python-requests/2.31.0",
	"Microsoft Teams/24165.1410.2974.6689 (Windows 10)",
	"OneDriveMpc-Transform_Thumbnail/1.0",
}

var sites = []string{"Finance", "HR", "Legal", "Marketing", "Sales", "Engineering", "Executive", "ProjectAtlas", "ITSupport",
	"Procurement", "Communications", "Research", "Facilities", "Security", "Partners", "Board"}

var fileStems = []string{"Q3 Budget", "Payroll 2026", "Offer Letter", "Contract Draft", "Roadmap", "Incident Report",
	"Board Deck", "Vendor List", "Customer Export", "Architecture", "Meeting Notes", "Expense Report", "Salary Bands",
	"Pen Test Findings", "Release Plan", "Org Chart"}

var fileExts = []string{".xlsx", ".docx", ".pptx", ".pdf", ".csv", ".txt"}

var logonErrors = []struct{ code, text string }{
	{"InvalidUserNameOrPassword", "UserError"},
	{"UserAccountLocked", "UserError"},
	{"UserStrongAuthClientAuthNRequired", "UserError"},
	{"InvalidPasswordExpiredPassword", "UserError"},
	{"BlockedByConditionalAccess", "UserError"},
}

// kinds is the generated mix; weights are per mille-ish and need not sum to anything.
var kinds = []kind{
	{15, "UserLoggedIn", "AzureActiveDirectory", 190, objApp, renderSignIn},
	{15, "UserLoginFailed", "AzureActiveDirectory", 45, objApp, renderSignIn},
	{8, "Update user.", "AzureActiveDirectory", 8, objNone, renderDirectory},
	{8, "Reset user password.", "AzureActiveDirectory", 4, objNone, renderDirectory},
	{50, "MailItemsAccessed", "Exchange", 160, objMailbox, renderMailItems},
	{2, "Send", "Exchange", 40, objMailbox, renderMailSend},
	{2, "MoveToDeletedItems", "Exchange", 20, objMailbox, renderMailSend},
	{1, "New-InboxRule", "Exchange", 3, objInboxRule, renderAdminCmdlet},
	{1, "Set-Mailbox", "Exchange", 4, objMailbox, renderAdminCmdlet},
	{1, "Add-MailboxPermission", "Exchange", 2, objMailbox, renderAdminCmdlet},
	{6, "FileAccessed", "SharePoint", 140, objSharePoint, renderFile},
	{6, "FileDownloaded", "SharePoint", 40, objSharePoint, renderFile},
	{6, "FileModified", "SharePoint", 50, objSharePoint, renderFile},
	{6, "FileUploaded", "OneDrive", 25, objOneDrive, renderFile},
	{6, "FileAccessed", "OneDrive", 60, objOneDrive, renderFile},
	{14, "SharingSet", "SharePoint", 10, objSharePoint, renderSharing},
	{14, "AnonymousLinkCreated", "OneDrive", 5, objOneDrive, renderSharing},
	{25, "MessageSent", "MicrosoftTeams", 60, objTeam, renderTeams},
	{25, "TeamsSessionStarted", "MicrosoftTeams", 40, objTeam, renderTeams},
	{25, "MemberAdded", "MicrosoftTeams", 5, objTeam, renderTeams},
	{20, "ViewReport", "PowerBI", 25, objReport, renderPowerBI},
	{20, "ExportReport", "PowerBI", 4, objReport, renderPowerBI},
	{13, "DlpRuleMatch", "Exchange", 6, objMailbox, renderDLP},
	{11, "DlpRuleMatch", "SharePoint", 4, objSharePoint, renderDLP},
	{40, "AlertTriggered", "SecurityComplianceCenter", 3, objAlert, renderAlert},
	{28, "TIMailData", "ThreatIntelligence", 8, objMailbox, renderThreatIntel},
}

// generator holds the deterministic pools (users, IPs, objects) shared by all records.
type generator struct {
	seed     uint64
	org      tenant
	orgGUID  string
	userKeys []string
	kindCum  []int
	opKind   map[string]int
}

func newGenerator(seed int64, t tenant, st *store) *generator {
	g := &generator{seed: uint64(seed), org: t, orgGUID: t.id, opKind: map[string]int{}}
	r := rand.New(rand.NewPCG(g.seed, 0x5eed))
	st.kinds = make([]kindInfo, len(kinds))
	sum := 0
	for i, k := range kinds {
		st.kinds[i] = kindInfo{recordType: k.recordType, op: k.op, workload: k.workload}
		sum += k.weight
		g.kindCum = append(g.kindCum, sum)
		if _, ok := g.opKind[strings.ToLower(k.op)]; !ok {
			g.opKind[strings.ToLower(k.op)] = i
		}
	}
	seen := map[string]bool{}
	for len(st.users) < 400 {
		f, l := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		u := strings.ToLower(f+"."+l) + "@" + t.domain
		if seen[u] {
			u = strings.ToLower(f+"."+l) + fmt.Sprint(len(st.users)) + "@" + t.domain
		}
		seen[u] = true
		st.users = append(st.users, u)
		g.userKeys = append(g.userKeys, fmt.Sprintf("10032%011X", r.Uint64()&0xffffffffff))
	}
	st.ips = append(st.ips, "")
	for range 1500 {
		if r.IntN(100) < 12 {
			st.ips = append(st.ips, fmt.Sprintf("2603:10b6:%x:%x::%x", r.IntN(0xffff), r.IntN(0xffff), r.IntN(0xfff)))
			continue
		}
		st.ips = append(st.ips, fmt.Sprintf("%d.%d.%d.%d", []int{20, 40, 52, 73, 86, 98, 104, 131, 145, 172, 185, 203}[r.IntN(12)], r.IntN(256), r.IntN(256), 1+r.IntN(254)))
	}
	g.buildObjects(r, st)
	return g
}

// objRange records where each object category lives in st.objects.
func (g *generator) buildObjects(r *rand.Rand, st *store) {
	st.objects = append(st.objects, "")
	st.objCat = map[int][2]int{}
	add := func(cat int, items []string) {
		lo := len(st.objects)
		st.objects = append(st.objects, items...)
		st.objCat[cat] = [2]int{lo, len(st.objects)}
	}
	var apps, sp, od, mbx, rules, teams, reports, alerts []string
	for _, a := range firstParty {
		apps = append(apps, a.id)
	}
	tenantHost := strings.SplitN(g.org.domain, ".", 2)[0]
	for _, s := range sites {
		for j := range 24 {
			sp = append(sp, fmt.Sprintf("https://%s.sharepoint.com/sites/%s/Shared Documents/%s %d%s", tenantHost, s,
				fileStems[r.IntN(len(fileStems))], j+1, fileExts[r.IntN(len(fileExts))]))
		}
	}
	for i, u := range st.users[:200] {
		p := strings.NewReplacer(".", "_", "@", "_").Replace(u)
		for j := range 3 {
			od = append(od, fmt.Sprintf("https://%s-my.sharepoint.com/personal/%s/Documents/%s%s", tenantHost, p,
				fileStems[(i+j)%len(fileStems)], fileExts[(i*3+j)%len(fileExts)]))
		}
	}
	for _, u := range st.users {
		mbx = append(mbx, strings.SplitN(u, "@", 2)[0])
		rules = append(rules, g.org.domain+"/Users/"+strings.SplitN(u, "@", 2)[0]+`\Forward to external`)
	}
	for _, s := range sites {
		teams = append(teams, "19:"+strings.ToLower(s)+"a1b2c3d4e5f6@thread.tacv2")
		reports = append(reports, s+" KPIs")
	}
	alerts = append(alerts, "Email messages containing malicious URLs removed after delivery", "Suspicious email sending patterns detected",
		"Unusual external user file activity", "A potentially malicious URL click was detected", "Creation of forwarding/redirect rule")
	add(objApp, apps)
	add(objSharePoint, sp)
	add(objOneDrive, od)
	add(objMailbox, mbx)
	add(objInboxRule, rules)
	add(objTeam, teams)
	add(objReport, reports)
	add(objAlert, alerts)
}

// pickKind draws a kind from the weighted mix.
func (g *generator) pickKind(r *rand.Rand) int {
	x := r.IntN(g.kindCum[len(g.kindCum)-1])
	for i, c := range g.kindCum {
		if x < c {
			return i
		}
	}
	return len(g.kindCum) - 1
}

// plan fills a generated record's filterable fields (kind, user, IPs, object).
func (g *generator) plan(st *store, m *meta, forcedKind int) {
	r := rand.New(rand.NewPCG(g.seed^0x91a7, uint64(m.src)))
	k := forcedKind
	if k < 0 {
		k = g.pickKind(r)
	}
	m.kind = uint16(k)
	// A few heavy users account for much of the activity, as in real tenants.
	u := r.IntN(len(st.users))
	if r.IntN(100) < 35 {
		u = r.IntN(20)
	}
	m.user = uint32(u)
	n := len(st.ips) - 1
	ip := 1 + (u*7+r.IntN(3))%n
	if r.IntN(100) < 6 {
		ip = 1 + r.IntN(n)
	}
	if kinds[k].workload == "AzureActiveDirectory" && kinds[k].recordType == 8 {
		ip = 0 // directory changes carry no client address
	}
	m.ip = uint32(ip)
	m.ip2 = m.ip
	cat := kinds[k].objCat
	if cat == objNone {
		m.obj = 0
		return
	}
	rng := st.objCat[cat]
	switch cat {
	case objMailbox, objInboxRule:
		m.obj = uint32(rng[0] + u%(rng[1]-rng[0]))
	case objOneDrive:
		m.obj = uint32(rng[0] + (u%200)*3 + r.IntN(3))
	default:
		m.obj = uint32(rng[0] + r.IntN(rng[1]-rng[0]))
	}
}

// render writes a generated record's AuditData text.
func (g *generator) render(st *store, m *meta, id string) []byte {
	k := &kinds[m.kind]
	c := &renderCtx{
		r: rand.New(rand.NewPCG(g.seed^0x7e4d, uint64(m.src))), g: g, m: m,
		user: st.users[m.user], ip: st.ips[m.ip], obj: st.objects[m.obj],
		t: time.Unix(m.t, 0).UTC(), id: id, failed: k.op == "UserLoginFailed", workload: k.workload, op: k.op,
	}
	w := &jw{b: make([]byte, 0, 1024)}
	w.obj()
	w.s("CreationTime", c.t.Format("2006-01-02T15:04:05"))
	w.s("Id", id)
	w.s("Operation", k.op)
	w.s("OrganizationId", g.orgGUID)
	w.n("RecordType", int64(k.recordType))
	if k.workload == "AzureActiveDirectory" || k.workload == "Exchange" || k.workload == "PowerBI" {
		status := "Succeeded"
		if c.failed {
			status = "Failed"
		} else if k.workload == "Exchange" && k.recordType == 1 {
			status = "True"
		}
		w.s("ResultStatus", status)
	}
	w.s("UserKey", c.userKey())
	w.n("UserType", c.userType(k))
	w.n("Version", 1)
	w.s("Workload", k.workload)
	if c.ip != "" && k.workload != "AzureActiveDirectory" {
		w.s("ClientIP", c.ip)
	}
	if c.obj != "" {
		w.s("ObjectId", c.obj)
	}
	w.s("UserId", c.user)
	k.render(w, c)
	w.endObj()
	return w.b
}

func (c *renderCtx) userKey() string {
	if c.workload == "AzureActiveDirectory" {
		return seededUUID(c.g.seed, 0x05e4, uint64(c.m.user))
	}
	return c.g.userKeys[c.m.user%uint32(len(c.g.userKeys))]
}

func (c *renderCtx) userType(k *kind) int64 {
	if k.recordType == 1 && c.r.IntN(4) == 0 {
		return 2 // admin
	}
	return 0
}

func (c *renderCtx) uuid(disc uint64) string {
	return seededUUID(c.g.seed, disc*0x100000001+uint64(c.m.src), c.r.Uint64())
}

func (c *renderCtx) pick(xs []string) string { return xs[c.r.IntN(len(xs))] }
