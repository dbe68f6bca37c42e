// Package emulator is an in-process Exchange Online + Entra ID emulator (DESIGN §6).
//
// It serves, over TLS on loopback with its own CA, the Entra ID authority (OIDC discovery,
// instance discovery, and a token endpoint that verifies client assertions against the
// registered certificates for real) and Exchange Online's admin API InvokeCommand with
// Search-UnifiedAuditLog semantics, over a seeded, deterministic data set or records loaded
// from JSON Lines. It imports nothing from exoclient: the two are independent readings of the
// service, so a shared misunderstanding cannot pass every test.
//
// Choices where the service is undocumented (each is a knob or a documented default):
//
//   - StartDate is inclusive; EndDate is exclusive ([StartDate, EndDate)) unless
//     Options.EndDateInclusive. CreationTime has whole seconds, so a StartDate with a
//     fraction excludes its own second. Dates without a zone are UTC.
//   - Without SessionId: the newest ResultSize matches, newest first by CreationTime, ties by
//     Id ascending (the order GroundTruth reports). ResultIndex counts from 1; ResultCount is
//     the number of matches, capped at 50,000 (or ResultSize with Options.EchoResultSize).
//   - SessionId with ReturnLargeSet: the matches are shuffled (seeded by Options.Seed and the
//     SessionId), capped at 50,000 (a random subset when more match), and served ResultSize
//     per call. SessionId alone or with ReturnNextPreviewPage: sorted pages, 5,000 in total.
//     A session is keyed by its SessionId alone: later calls continue it whatever parameters
//     they carry, as the service does. Past its last row a session answers an empty page.
//   - A page above Options.MaxPageRows (default 1000) is split: the rest is served by POSTing
//     the same body to "@odata.nextLink" (a link can be fetched again for 15 minutes, like an
//     OData $skiptoken; a different body is refused).
//   - Faults: at most one per call, drawn from a seeded stream in FaultNames order. throttle,
//     throttle-no-retry-after, concurrency and unavailable happen before the cmdlet runs (a
//     session does not advance); server-error, bad-gateway, gateway-timeout, reset and truncate
//     happen after it (the session has advanced: those rows are lost to it). duplicate steps
//     a session back by ResultSize/5 rows (at least 1) so the page repeats the previous page's
//     last rows; bogus-page alternates a page of ResultIndex -1 / ResultCount 0 rows and, mid
//     session, an empty page (the rows are consumed either way). 502/503/504 bodies are HTML.
//   - Token and assertion lifetimes use the wall clock (clients sign with it); data
//     visibility, retention and the data set's span use the emulator clock (Options.Clock,
//     SetNow).
//   - A generated record's text is rendered from the seed and a 40-byte index entry on
//     demand, so a million records take about 40 MiB; FreeText renders the records in the
//     queried window.
package emulator
