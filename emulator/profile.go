package emulator

import (
	"fmt"
	"time"
)

// Profiles (DESIGN §6): live reproduces what tenants do (§4b), ideal is §4 alone.
const (
	ProfileLive  = "live"
	ProfileIdeal = "ideal"
)

// Continuation modes: whether POSTing to an @odata.nextLink works (L4).
const (
	ContinuationsRefused = "refused"
	ContinuationsOK      = "ok"
)

// Profile defaults.
const (
	DefaultNonSessionCap = 120
	DefaultPageSize      = 1000
	DefaultSlowDelay     = 90 * time.Second
)

// Texts the live service answers with (DESIGN §4b, evidence E1, E8, E12).
const (
	moreResultsWarning = "There are more results available than are currently displayed."
	canceledWarning    = "WARNING: Failed to process request via Sync Search mode. A task was canceled."
	paginationRefused  = "Expired or Invalid pagination request. Default Expiry time is 00:30:00"
	// dotNetGeneralTime is .NET's invariant "G" format (M/d/yyyy h:mm:ss tt).
	dotNetGeneralTime = "1/2/2006 3:04:05 PM"
)

func validateProfile(o Options) error {
	switch o.Profile {
	case ProfileLive, ProfileIdeal:
	default:
		return fmt.Errorf("emulator: unknown profile %q (want %s or %s)", o.Profile, ProfileLive, ProfileIdeal)
	}
	switch o.Continuations {
	case ContinuationsRefused, ContinuationsOK:
	default:
		return fmt.Errorf("emulator: unknown continuations mode %q (want %s or %s)", o.Continuations, ContinuationsRefused, ContinuationsOK)
	}
	return nil
}

// profileDefaults fills the knobs whose default depends on the profile.
func profileDefaults(o Options) Options {
	if o.Profile == "" {
		o.Profile = ProfileLive
	}
	live := o.Profile == ProfileLive
	if o.PageSize == 0 {
		o.PageSize = o.MaxPageRows // the older name of the same knob
	}
	if o.PageSize == 0 && live {
		o.PageSize = DefaultPageSize
	}
	o.MaxPageRows = o.PageSize
	if o.NonSessionCap == 0 {
		o.NonSessionCap = DefaultNonSessionCap
	}
	if o.Continuations == "" {
		o.Continuations = ContinuationsOK
		if live {
			o.Continuations = ContinuationsRefused
		}
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = DefaultSlowDelay
	}
	return o
}

// live reports whether the emulator plays the live profile.
func (e *Emulator) live() bool { return e.opts.Profile == ProfileLive }

// retentionRefusal is the 400 a StartDate before the retention limit gets.
func (e *Emulator) retentionRefusal(start, earliest time.Time) *httpErr {
	if e.live() {
		return &httpErr{status: 400, code: "BadRequest", exType: exRetention, shape: shapeInner,
			msg: fmt.Sprintf("Audit log search argument startDate should be after %s UTC.", earliest.UTC().Format(dotNetGeneralTime))}
	}
	return &httpErr{status: 400, code: "BadRequest", msg: fmt.Sprintf(
		"The StartDate %s is outside the audit log retention period of %s: the earliest date that can be searched is %s. Specify a later StartDate.",
		start.Format(time.RFC3339), retentionText(e.opts.Retention), earliest.UTC().Format(time.RFC3339))}
}
