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
	writeEXOError(w, http.StatusUnauthorized, "Unauthorized", "Authentication failed: %s. Acquire a new token for %s/.default.", why, e.URL())
}

func notAllowedMessage(a *app, cmdlet string) string {
	return fmt.Sprintf("The user \"%s\" (application %s) is not allowed to call %s. Assign the \"View-Only Audit Logs\" or \"Audit Logs\" role to the application's service principal.",
		a.name, a.clientID, cmdlet)
}

func missingMandatory(names []string) string {
	return "Cannot process command because of one or more missing mandatory parameters: " + strings.Join(names, " ") + "."
}
