package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The control endpoints let tests that drive the standalone server (not the package) ask for
// ground truth and move late arrival along. They live under /_emulator/, a path the real
// service does not have, and need no token: the server only listens on loopback.
//
//	GET  /_emulator/ground-truth?StartDate=…&EndDate=…[&FreeText=…&RecordType=…&Operations=a,b
//	     &UserIds=…&IPAddresses=…&ObjectIds=…&limit=N] → {"count":N,"ids":[…]} newest first
//	GET  /_emulator/stats                          → Stats
//	GET  /_emulator/graph-queries                  → {"ids":[…]} Graph queries not deleted, oldest first
//	GET  /_emulator/graph-queries/{id}/records     → {"count":N,"ids":[…]} a succeeded query's records, served order
//	POST /_emulator/clock?now=RFC3339 (empty = real time again)
//	POST /_emulator/release?id=…&id=… | ?all=true
func (e *Emulator) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_emulator/ground-truth", e.handleGroundTruth)
	mux.HandleFunc("GET /_emulator/stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, e.Stats()) })
	mux.HandleFunc("GET /_emulator/graph-queries", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"ids": append([]string{}, e.GraphQueryIDs()...)})
	})
	mux.HandleFunc("GET /_emulator/graph-queries/{id}/records", func(w http.ResponseWriter, r *http.Request) {
		ids, ok := e.GraphQueryRecords(r.PathValue("id"))
		if !ok {
			writeEXOError(w, http.StatusNotFound, "NotFound", "No succeeded Graph query %s.", r.PathValue("id"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": len(ids), "ids": append([]string{}, ids...)})
	})
	mux.HandleFunc("POST /_emulator/clock", e.handleClock)
	mux.HandleFunc("POST /_emulator/release", e.handleRelease)
}

func (e *Emulator) handleGroundTruth(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var q Query
	var err error
	for name, dst := range map[string]*time.Time{"StartDate": &q.Start, "EndDate": &q.End} {
		if *dst, err = time.Parse(time.RFC3339Nano, v.Get(name)); err != nil {
			writeEXOError(w, http.StatusBadRequest, "BadRequest", "%s must be an RFC 3339 date.", name)
			return
		}
	}
	q.FreeText, q.RecordType = v.Get("FreeText"), v.Get("RecordType")
	list := func(name string) []string {
		var out []string
		for _, s := range v[name] {
			out = append(out, strings.Split(s, ",")...)
		}
		return out
	}
	q.Operations, q.UserIDs, q.IPAddresses, q.ObjectIDs = list("Operations"), list("UserIds"), list("IPAddresses"), list("ObjectIds")
	ids := e.GroundTruth(q)
	count := len(ids)
	if n, err := strconv.Atoi(v.Get("limit")); err == nil && n >= 0 && n < len(ids) {
		ids = ids[:n]
	}
	if ids == nil {
		ids = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": count, "ids": ids})
}

func (e *Emulator) handleClock(w http.ResponseWriter, r *http.Request) {
	s := r.URL.Query().Get("now")
	var t time.Time
	if s != "" {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			writeEXOError(w, http.StatusBadRequest, "BadRequest", "now must be an RFC 3339 date.")
			return
		}
	}
	e.SetNow(t)
	writeJSON(w, http.StatusOK, map[string]any{"now": e.Now().UTC().Format(time.RFC3339)})
}

func (e *Emulator) handleRelease(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	if v.Get("all") == "true" {
		e.ReleaseAll()
		writeJSON(w, http.StatusOK, map[string]any{"released": e.Len()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"released": e.Release(v["id"]...)})
}
