package exoclient_test

import (
	"github.com/o365auditlog/o365auditlog/commands"
	"github.com/o365auditlog/o365auditlog/exoclient"
)

func init() { exoclient.ExplainForTest = commands.Explain }
