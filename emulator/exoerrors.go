package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// exoError is the body Exchange Online's admin API answers failures with.
type exoError struct {
	Error exoErrorBody `json:"error"`
}

type exoErrorBody struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	Details    []exoErrDetail  `json:"details"`
	InnerError exoErrInnerBody `json:"innererror"`
}

type exoErrDetail struct {
	Code    string `json:"code"`
	Target  string `json:"target"`
	Message string `json:"message"`
}

type exoErrInnerBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
}

// httpErr is a refusal: its status, EXO error code, text, and (live profile) the .NET
// exception it names and which parts of the body carry the text.
type httpErr struct {
	status int
	code   string
	msg    string
	exType string
	shape  errShape
}

// errShape says where a live error body carries its text: the service fills details, the
// internal exception or both, depending on the failure (evidence E2).
type errShape int

const (
	shapeBoth errShape = iota
	shapeDetails
	shapeInner
)

// Exception types named by live error bodies.
const (
	exService       = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
	exParameter     = "Microsoft.Exchange.Configuration.Tasks.TaskArgumentException"
	exTransform     = "Microsoft.Exchange.Configuration.Tasks.ParameterBindingArgumentTransformationException"
	exRetention     = "Microsoft.Exchange.Management.SystemConfigurationTasks.AuditLogSearchArgumentException"
	exPagination    = "Microsoft.Exchange.Admin.OData.Core.ODataPaginationException"
	exThrottling    = "Microsoft.Exchange.Admin.OData.Core.ThrottlingException"
	exUnauthorized  = "Microsoft.Exchange.Admin.OData.Core.ODataUnauthorizedException"
	exInternalError = "Microsoft.Exchange.Admin.OData.Core.ODataInternalServerErrorException"
)

// transientExceptions are the exceptions clients retry like a 503 (L6, evidence E4), with the
// texts they come with; the transient fault names them in turn.
var transientExceptions = []struct{ typ, text string }{
	{"Microsoft.Exchange.Data.Directory.DCOverloadedException", "The domain controller is overloaded. Please try again later."},
	{"Microsoft.Exchange.Data.Directory.SuitabilityDirectoryException", "No suitable domain controller was found to process the request."},
	{"Microsoft.Exchange.Data.Directory.ServerInMMException", "The server is in maintenance mode and cannot process the request."},
	{"Microsoft.Exchange.Data.Directory.ADServerSettingsChangedException", "The directory server settings changed while the request was processed."},
	{"Microsoft.Exchange.Data.Storage.StorageTransientException", "A transient storage error occurred. Please try again."},
}

// writeFailure answers a refusal: in the live profile with the service's L5 body, otherwise
// with the tidy §4 body.
func (e *Emulator) writeFailure(w http.ResponseWriter, f *httpErr) {
	if !e.live() {
		writeEXOError(w, f.status, f.code, "%s", f.msg)
		return
	}
	typ := f.exType
	if typ == "" {
		typ = exService
	}
	wr := &jw{}
	wr.obj()
	wr.ko("error")
	wr.s("code", f.code)
	wr.s("message", "Invalid Operation")
	if f.shape != shapeInner {
		wr.ka("details")
		wr.obj()
		wr.s("message", "|"+typ+"|"+f.msg)
		wr.endObj()
		wr.endArr()
	}
	if f.shape != shapeDetails {
		wr.ko("innererror")
		wr.ko("internalexception")
		wr.s("message", f.msg)
		wr.s("type", typ)
		wr.endObj()
		wr.endObj()
	}
	wr.ka("@adminapi.warnings")
	wr.endArr()
	wr.endObj()
	wr.endObj()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(f.status)
	_, _ = w.Write(wr.b)
}

// writeForbidden answers an app without the audit role. The live service's 403 body is a
// run of NUL bytes under a JSON content type (evidence E1).
func (e *Emulator) writeForbidden(w http.ResponseWriter, a *app) {
	if !e.live() {
		writeEXOError(w, http.StatusForbidden, "Forbidden", "%s", notAllowedMessage(a, searchCmdlet))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(make([]byte, 32))
}

func writeEXOError(w http.ResponseWriter, status int, code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	writeJSON(w, status, exoError{Error: exoErrorBody{
		Code:       code,
		Message:    msg,
		Details:    []exoErrDetail{{Code: "Context", Message: msg}},
		InnerError: exoErrInnerBody{Message: msg, Type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"},
	}})
}

// writeGatewayPage imitates the front door's HTML answers: clients must not expect JSON.
func writeGatewayPage(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	text := http.StatusText(status)
	fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%s</h1><p>The service is temporarily unable to process the request.</p></body></html>", status, text, text)
}

// writeUnauthorized answers a missing or bad bearer token the way EXO does.
func (e *Emulator) writeUnauthorized(w http.ResponseWriter, why string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="%s/common/oauth2/authorize", error="invalid_token", error_description=%q`,
		e.AuthURL(), why))
	e.writeFailure(w, &httpErr{status: http.StatusUnauthorized, code: "Unauthorized", exType: exUnauthorized,
		msg: fmt.Sprintf("Authentication failed: %s. Acquire a new token for %s/.default.", why, e.URL())})
}

func notAllowedMessage(a *app, cmdlet string) string {
	return fmt.Sprintf("The user \"%s\" (application %s) is not allowed to call %s. Assign the \"View-Only Audit Logs\" or \"Audit Logs\" role to the application's service principal.",
		a.name, a.clientID, cmdlet)
}

func missingMandatory(names []string) string {
	return "Cannot process command because of one or more missing mandatory parameters: " + strings.Join(names, " ") + "."
}
