package parsers

import (
	"fmt"
	"strings"
)

// Severity ranks a finding or a diagnostic. It lives in the model package so that the
// config (which sets rule severities) and the rule engine (which reports at them) share
// one type without importing each other.
type Severity int

// Severities, in increasing order.
const (
	Off Severity = iota
	Info
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "off"
}

// ParseSeverity reads "off", "info", "warning" (or "warn") or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "off":
		return Off, nil
	case "info":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Off, fmt.Errorf("unknown severity %q (want off, info, warning or error)", s)
}
