package rules

import (
	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
)

// The config lives in package config (it must not import the rules); these names keep
// the rule files and their tests as they were.
type (
	Config      = config.Config
	RouteBudget = config.RouteBudget
)

// DefaultConfig is the configuration used when there is no .no502.yaml.
func DefaultConfig() *Config { return config.Default() }

// ParseConfig parses .no502.yaml text, checking rule IDs against the registry.
func ParseConfig(file string, src []byte) (*Config, error) {
	return config.Parse(file, src, Known)
}

// Known reports whether a rule with this ID is registered: the config package's
// KnownRule for the rule IDs of .no502.yaml.
func Known(id string) bool { return Lookup(id) != nil }

// BudgetRelated names the config line that set a budget, for a finding's Related list.
func BudgetRelated(rb RouteBudget) Related {
	pos := rb.HandlerTimeout.Pos
	return Related{Pos: pos, Message: "handler budget for " + rb.Match + ": " + parsers.Seconds(rb.HandlerTimeout.Value)}
}
