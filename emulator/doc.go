// Package emulator is an in-process Exchange Online + Microsoft Graph + Entra ID emulator
// (DESIGN §6).
//
// It serves, over TLS on loopback with its own CA, the Entra ID authority (OIDC discovery,
// instance discovery, and a token endpoint that verifies client assertions against the
// registered certificates for real), Exchange Online's admin API InvokeCommand with
// Search-UnifiedAuditLog semantics, and Graph's audit log query API (DESIGN §4c) at GraphURL,
// all over one seeded, deterministic data set or records loaded from JSON Lines. It imports nothing from exoclient: the two are independent readings of the
// service, so a shared misunderstanding cannot pass every test.
//
// Profiles: Options.Profile "live" (the default) reproduces what live tenants do (DESIGN
// §4b); "ideal" is the tidy service of §4 alone. The choices below hold for both unless marked.
//
// Choices where the service is undocumented (each is a knob or a documented default):
//
//   - StartDate is inclusive; EndDate is exclusive ([StartDate, EndDate)) unless
//     Options.EndDateInclusive. CreationTime has whole seconds, so a StartDate with a
//     fraction excludes its own second. Dates without a zone are UTC.
//   - Without SessionId: the newest ResultSize matches, newest first by CreationTime, ties by
//     Id ascending (the order GroundTruth reports). ResultIndex counts from 1; ResultCount is
//     the number of matches, capped at 50,000 (or ResultSize with Options.EchoResultSize).
//     Live: at most Options.NonSessionCap rows (default 120) whatever ResultSize (the newest
//     ones), and ResultCount always echoes ResultSize (L1).
//   - SessionId with ReturnLargeSet: the matches are shuffled (seeded by Options.Seed and the
//     SessionId), capped at 50,000 (a random subset when more match), and served ResultSize
//     per call. SessionId alone or with ReturnNextPreviewPage: sorted pages, 5,000 in total.
//     A session is keyed by its SessionId alone: later calls continue it whatever parameters
//     they carry, as the service does. Past its last row a session answers an empty page;
//     live: a ReturnLargeSet session asked for a page when already at its end starts over
//     from its first row (ResultIndex from 1 again), never in the page that reached the end
//     (L9).
//   - A call's rows above Options.PageSize (live default 1000; ideal: not split unless set)
//     are split into REST pages chained with "@odata.nextLink" (…/InvokeCommand?$skiptoken=…);
//     the first page carries the warning "There are more results available than are
//     currently displayed." in live. With Options.Continuations "ok" (the ideal default) the
//     rest is served by POSTing the same body to the link (it can be fetched again for 15
//     minutes, like an OData $skiptoken; a different body is refused). With "refused" (the
//     live default) every link is refused at once with 400 "Expired or Invalid pagination
//     request. Default Expiry time is 00:30:00"; the session has moved past the whole call
//     (L4). The Prefer: odata.maxpagesize header is ignored.
//   - Live bodies (L2): {"@odata.context","adminapi.warnings@odata.type","@adminapi.warnings",
//     "value"?,"@odata.nextLink"?}; an empty result has no "value" key. Rows carry
//     "<Name>@odata.type" sidecar keys before RecordType, CreationDate, ResultIndex and
//     ResultCount, and CreationDate has 7 fractional digits. AuditData is byte-exact in both.
//   - Live errors (L5): {"error":{"code","message":"Invalid Operation","details":[{"message":
//     "|Type|text"}]?,"innererror":{"internalexception":{"message","type"}}?,
//     "@adminapi.warnings":[]}}. Which parts are present depends on the failure: parameter
//     refusals, throttling, server errors and transient exceptions at 400 carry details
//     only; retention, the concurrency limit and transient exceptions at 500 carry the
//     internal exception only; the rest carry both. The 403 of an app without the audit role
//     is 32 NUL bytes under a JSON content type. Ideal keeps {"code","message","details",
//     "innererror":{"message","type"}} with the text everywhere.
//   - Live: a StartDate before the retention limit gets "Audit log search argument startDate
//     should be after M/d/yyyy h:mm:ss AM UTC." (L7); list parameters (UserIds, Operations,
//     IPAddresses, ObjectIds) given as a JSON string are refused with 400 (L10; ideal splits
//     them at commas).
//   - Tokens: access tokens carry the app's Entra permissions for the resource in "roles"
//     (L11); InvokeCommand answers 401 to a token without Exchange.ManageAsApp or for another
//     audience (Exchange is the emulator's URL, https://outlook.office365.com or
//     00000002-0000-0ff1-ce00-000000000000). Apps: params.json's holds Exchange.ManageAsApp,
//     the audit role and AuditLogsQuery.Read.All; params-noroles.json's Exchange.ManageAsApp
//     only; params-nograph.json's Exchange.ManageAsApp and the audit role (both get 403 from
//     Graph); RegisterApp adds
//     others. Live accepts a client assertion reused within its lifetime; ideal refuses a
//     reused jti.
//   - Faults: at most one per call, drawn from a seeded stream in FaultNames order. throttle,
//     throttle-no-retry-after, concurrency, unavailable, canceled and transient happen before
//     the cmdlet runs (a session does not advance); server-error, bad-gateway,
//     gateway-timeout, reset and truncate happen after it (the session has advanced: those
//     rows are lost to it). duplicate steps a session back by ResultSize/5 rows (at least 1)
//     so the page repeats the previous page's last rows; bogus-page alternates a page of
//     ResultIndex -1 / ResultCount 0 rows and, mid session, an empty page (the rows are
//     consumed either way). 502/503/504 bodies are HTML. canceled is a 200 with the live
//     envelope, no value and the warning "WARNING: Failed to process request via Sync Search
//     mode. A task was canceled." (L3); transient names DCOverloadedException,
//     SuitabilityDirectoryException, ServerInMMException, ADServerSettingsChangedException and
//     StorageTransientException in turn, as 400 and 500 alternately (L6); slow answers
//     normally after Options.SlowDelay (default 90s) unless the client goes away (L8).
//   - Graph (GraphURL = URL + "/graph", written as graph_url in every params file) serves
//     POST/GET {graph}/{v1.0|beta}/security/auditLog/queries, GET/DELETE …/queries/{id} and
//     GET …/queries/{id}/records?$top=N. Tokens for "<GraphURL>/.default" (or
//     https://graph.microsoft.com, or Graph's app id) carry only Graph permissions in roles;
//     Graph answers 401 to any other token and 403 to one without AuditLogsQuery.Read.All.
//     The create body takes displayName, filterStartDateTime, filterEndDateTime (RFC 3339;
//     the same [start, end) as Exchange), recordTypeFilters (Graph names, column 3 of the
//     record type table, any case: a classic name Graph spells otherwise is refused),
//     keywordFilter (FreeText), serviceFilter/serviceFilters (Workload), operationFilters,
//     userPrincipalNameFilters (UserIds), ipAddressFilters, objectIdFilters and
//     administrativeUnitIdFilters (no record has one); an unknown property is a 400. Matching
//     is Exchange's own code, so GraphGroundTruth(f) equals GroundTruth of the same query.
//     A query is notStarted for the first quarter of Options.GraphDelay (default 2s, wall
//     clock), running until it ends, then succeeded (or failed with the graph-fail fault);
//     at success its records are fixed (visible by the emulator clock), shuffled, and cut to
//     Options.GraphRecordLimit (default 1,000,000) with isRecordCountLimitExceeded true;
//     recordCountLimit and approximateReturnedRecordCount are set from then on (null before),
//     on both versions. Records before success: 400 "The query is not ready". Pages hold
//     $top records (default and most 1000) chained by @odata.nextLink with an opaque
//     $skiptoken; the same query pages the same way every time. Each record is
//     {id, createdDateTime, auditLogRecordType (PascalCase Graph name), operation,
//     organizationId, userType (auditUserType name), userId, userPrincipalName, clientIp,
//     service, objectId, administrativeUnits [""], auditData}; auditData is the AuditData
//     object Exchange serves with "@odata.type" first in every object and a
//     "<Name>@odata.type" member before every number (#Int32, #Int64, #Double) and array
//     (#Collection(String)); removing those members gives back Exchange's text byte for byte.
//     Live: v1.0 creates answer 404 (beta works; every other call works on both), userId is
//     AuditData.UserKey, userPrincipalName AuditData.UserId, clientIp null; ideal: v1.0
//     creates work, userId is the UserId and clientIp the client address. Creates closer
//     than Options.GraphCreateInterval (default 1s) get 429 + Retry-After; the graph-throttle
//     fault answers any Graph call 429 + Retry-After: 1. Graph faults are drawn by rate from
//     a stream of their own and do not count against InvokeCommand's total of 1; InjectGraph
//     queues exact ones (InjectNext is InvokeCommand's). DELETE frees a query (204; 404 once
//     gone). The control endpoints /_emulator/graph-queries[/{id}/records] report them.
//     Stats count GraphCalls, GraphQueries, GraphStatuses (by status), GraphTruncated,
//     GraphNotReady, GraphPages, GraphRecords, GraphDeletes, GraphV1NotFound and
//     GraphThrottledCreates; GraphQueryIDs and GraphQueryRecords report what the service holds.
//   - Token and assertion lifetimes use the wall clock (clients sign with it); data
//     visibility, retention and the data set's span use the emulator clock (Options.Clock,
//     SetNow).
//   - A generated record's text is rendered from the seed and a 40-byte index entry on
//     demand, so a million records take about 40 MiB; FreeText renders the records in the
//     queried window.
package emulator
