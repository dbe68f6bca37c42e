package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/o365auditlog/o365auditlog/graphclient"
	"github.com/o365auditlog/o365auditlog/msclient"
)

// explainGraph words the Graph backend's own errors (backend=graph, or auto's reasons).
func explainGraph(err error) (string, bool) {
	var (
		unavailable *graphclient.UnavailableError
		recordType  *graphclient.RecordTypeError
		failed      *graphclient.QueryFailedError
		timeout     *graphclient.QueryTimeoutError
		notFound    *graphclient.QueryNotFoundError
		notReady    *graphclient.NotReadyError
		missing     *msclient.MissingPermissionError
		apiErr      *msclient.APIError
	)
	switch {
	case errors.As(err, &missing) && missing.Legacy != "":
		return fmt.Sprintf("The app holds only the legacy %s permission, with which %s audit log queries return no records "+
			"without any error. Grant the application permission %s to the app in Entra ID (with admin consent), "+
			"or search with backend=exchange.", missing.Legacy, missing.Service, missing.Permission), true
	case errors.As(err, &missing):
		return fmt.Sprintf("The app lacks the %s application permission %s. Grant it to the app in Entra ID "+
			"(API permissions, with admin consent)%s.", missing.Service, missing.Permission, otherBackend(missing.Service)), true
	case errors.As(err, &unavailable):
		return fmt.Sprintf("Microsoft Graph audit log queries do not exist in the %s cloud (%s). "+
			"Search with backend=exchange (or auto, which stays on Exchange Online there).", unavailable.Cloud, unavailable.Host), true
	case errors.As(err, &recordType):
		return fmt.Sprintf("The record type %s has no Microsoft Graph name, so backend=graph cannot filter on it. "+
			"Search it with backend=exchange or auto.", recordType.RecordType), true
	case errors.As(err, &failed):
		return fmt.Sprintf("The Microsoft Graph audit query %s ended %s (the service gives no reason); it was deleted. "+
			"Run the search again; if it keeps failing, narrow the date range or use backend=exchange.", failed.ID, failed.Status), true
	case errors.As(err, &timeout):
		return fmt.Sprintf("The Microsoft Graph audit query %s was still %s after %s. Run the search with polling=true "+
			"(XSOAR checks the query in the background), or narrow the date range.", timeout.ID, timeout.Status, timeout.Waited), true
	case errors.As(err, &notFound):
		return fmt.Sprintf("The Microsoft Graph audit query %s no longer exists (deleted or expired). Run the search again without query_id.", notFound.ID), true
	case errors.As(err, &apiErr) && apiErr.Source == msclient.SourceGraph:
		said := ""
		if apiErr.Message != "" {
			said = ": " + strings.TrimRight(apiErr.Message, ".")
		}
		return fmt.Sprintf("Microsoft Graph refused the audit query request (HTTP %d%s)%s. Try again later; if it persists, "+
			"check graph_url or search with backend=exchange.", apiErr.Status, said, requestIDNote(apiErr)), true
	case errors.As(err, &notReady):
		return fmt.Sprintf("Microsoft Graph kept answering that the records of query %s are not ready although it succeeded. "+
			"Run the search again in a few minutes.", notReady.ID), true
	}
	return "", false
}

func otherBackend(s msclient.Source) string {
	if s == msclient.SourceGraph {
		return ", or search with backend=exchange"
	}
	return ""
}
