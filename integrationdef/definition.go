// Package integrationdef reads integration.yml, the integration's XSOAR definition, so that
// tests can hold it to the code: the command registry, the params commands/ reads, the
// schema XSOAR validates against.
package integrationdef

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// FileName is the definition's name at the repository root.
const FileName = "integration.yml"

// Definition is the part of integration.yml the code depends on.
type Definition struct {
	CommonFields struct {
		ID      string `yaml:"id"`
		Version int    `yaml:"version"`
	} `yaml:"commonfields"`
	Name                string  `yaml:"name"`
	Display             string  `yaml:"display"`
	Category            string  `yaml:"category"`
	Description         string  `yaml:"description"`
	DetailedDescription string  `yaml:"detaileddescription"`
	Configuration       []Param `yaml:"configuration"`
	Script              Script  `yaml:"script"`
}

// Param is one instance parameter (configuration entry).
type Param struct {
	Name            string `yaml:"name"`
	Display         string `yaml:"display"`
	DisplayPassword string `yaml:"displaypassword"`
	// Type is XSOAR's param type: 0 short text, 4 encrypted, 8 boolean, 9 credentials, …
	Type           int      `yaml:"type"`
	Required       bool     `yaml:"required"`
	Hidden         bool     `yaml:"hidden"`
	Advanced       bool     `yaml:"advanced"`
	DefaultValue   any      `yaml:"defaultvalue"`
	AdditionalInfo string   `yaml:"additionalinfo"`
	Section        string   `yaml:"section"`
	Options        []string `yaml:"options"`
}

// Script is the script section: runtime and commands.
type Script struct {
	Script      string    `yaml:"script"`
	Type        string    `yaml:"type"`
	Subtype     string    `yaml:"subtype"`
	DockerImage string    `yaml:"dockerimage"`
	IsFetch     bool      `yaml:"isfetch"`
	Commands    []Command `yaml:"commands"`
}

// Command is one command of script.commands.
type Command struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Polling marks a command that may answer with XSOAR scheduling fields (DESIGN §5d).
	Polling   bool       `yaml:"polling"`
	Arguments []Argument `yaml:"arguments"`
	Outputs   []Output   `yaml:"outputs"`
}

// Argument is one command argument.
type Argument struct {
	Name         string   `yaml:"name"`
	Description  string   `yaml:"description"`
	Required     bool     `yaml:"required"`
	IsArray      bool     `yaml:"isArray"`
	Auto         string   `yaml:"auto"`
	Predefined   []string `yaml:"predefined"`
	DefaultValue any      `yaml:"defaultValue"`
	// Hidden keeps an argument out of the War Room's help: the ones polling passes to
	// itself (query_id, hide_polling_output).
	Hidden bool `yaml:"hidden"`
}

// Output is one context output of a command.
type Output struct {
	ContextPath string `yaml:"contextPath"`
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
}

// Parse decodes a definition.
func Parse(data []byte) (*Definition, error) {
	var d Definition
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("parse %s: %w", FileName, err)
	}
	return &d, nil
}

// Load reads and parses the repository's integration.yml (see Path).
func Load() (*Definition, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Path finds integration.yml beside go.mod, walking up from the working directory (a
// package's directory under `go test`). go:embed cannot reach a parent directory, so the
// file is found at run time.
func Path() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, FileName), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("integrationdef: no go.mod above the working directory, so no " + FileName)
		}
		dir = parent
	}
}

// Commands lists the commands the engine may send: those of script.commands, plus the ones
// XSOAR implies without listing them: test-module always, fetch-incidents when isfetch.
func (d *Definition) Commands() []string {
	names := []string{"test-module"}
	if d.Script.IsFetch {
		names = append(names, "fetch-incidents")
	}
	for _, c := range d.Script.Commands {
		names = append(names, c.Name)
	}
	return names
}

// Command returns the command named name, or nil.
func (d *Definition) Command(name string) *Command {
	for i := range d.Script.Commands {
		if d.Script.Commands[i].Name == name {
			return &d.Script.Commands[i]
		}
	}
	return nil
}

// Param returns the param named name, or nil.
func (d *Definition) Param(name string) *Param {
	for i := range d.Configuration {
		if d.Configuration[i].Name == name {
			return &d.Configuration[i]
		}
	}
	return nil
}
