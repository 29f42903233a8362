package parsers

import (
	"fmt"
	"time"
)

// Setting is one configured value and where it came from. Rules never see raw syntax:
// they see Settings, and quote Text in their messages.
//
// Three states matter to a rule:
//   - explicit: written in a config (Pos valid). Text is the directive as written, e.g.
//     "proxy_read_timeout 180s".
//   - default: not written; Default names whose default it is, e.g. "nginx default 60s".
//   - unknown: the zero Setting (nothing known), or Unknown set (written, but its value
//     cannot be computed, e.g. a Terraform variable with no default). Rules stay silent.
type Setting[T any] struct {
	Value   T
	Pos     Pos
	Text    string
	Default string
	Unknown bool
	// Origin says where an evaluated or inherited value came from besides Pos (see
	// Via and ViaNote); nil for most settings, which came from where they are written.
	// Origins may be shared between settings: replace one (SetVia, SetViaNote), never
	// change it in place.
	Origin *Origin
}

// Origin is where a setting's value came from besides its own position.
type Origin struct {
	// Via lists the places: the variable default a Terraform attribute evaluated, the
	// http{} block an nginx location inherited from.
	Via []Pos
	// Note says it in words ("from var.idle_timeout's default, variables.tf:4").
	Note string
	// PerCall says the value is one call's of a Terraform module that is called once per
	// module block: the attribute itself is shared by every call, so a fix may change
	// the value only where that call decides it (its argument, or the default it uses).
	PerCall bool
	// Vars names the Terraform variables the value reads, directly or through locals
	// ("env"): another environment may give them other values (-var-file, TF_VAR_env,
	// a module's caller), so a constant written over the expression drops those.
	Vars []string
}

// Via lists where the value came from besides Pos.
func (s Setting[T]) Via() []Pos {
	if s.Origin == nil {
		return nil
	}
	return s.Origin.Via
}

// ViaNote says in words where the value came from besides Pos; "" when nothing does.
func (s Setting[T]) ViaNote() string {
	if s.Origin == nil {
		return ""
	}
	return s.Origin.Note
}

// SetVia replaces the places the value came from.
func (s *Setting[T]) SetVia(via []Pos) {
	s.Origin = &Origin{Via: via, Note: s.ViaNote(), PerCall: s.Origin != nil && s.Origin.PerCall, Vars: s.vars()}
}

// SetViaNote replaces the words saying where the value came from.
func (s *Setting[T]) SetViaNote(note string) {
	s.Origin = &Origin{Via: s.Via(), Note: note, PerCall: s.Origin != nil && s.Origin.PerCall, Vars: s.vars()}
}

// vars returns the variables the value reads (Origin.Vars).
func (s Setting[T]) vars() []string {
	if s.Origin == nil {
		return nil
	}
	return s.Origin.Vars
}

// Set returns an explicit setting.
func Set[T any](v T, pos Pos, text string) Setting[T] {
	return Setting[T]{Value: v, Pos: pos, Text: text}
}

// Def returns a setting holding a product default; src names it ("nginx default 60s").
func Def[T any](v T, src string) Setting[T] {
	return Setting[T]{Value: v, Default: src}
}

// Known reports whether the value can be relied on (explicit or a default).
func (s Setting[T]) Known() bool {
	return !s.Unknown && (s.Pos.IsValid() || s.Default != "")
}

// Explicit reports whether the value was written in a config.
func (s Setting[T]) Explicit() bool { return !s.Unknown && s.Pos.IsValid() }

// IsDefault reports whether the value is a product default.
func (s Setting[T]) IsDefault() bool { return !s.Unknown && !s.Pos.IsValid() && s.Default != "" }

// Describe says where the value came from, for messages: the directive as written
// with its position, or the default's source.
func (s Setting[T]) Describe() string {
	switch {
	case s.Explicit() && s.ViaNote() != "":
		return fmt.Sprintf("%s (%s, %s)", s.Text, s.Pos.Short(), s.ViaNote())
	case s.Explicit():
		return fmt.Sprintf("%s (%s)", s.Text, s.Pos.Short())
	case s.IsDefault():
		return s.Default
	}
	return "unknown"
}

// Duration is the type every timeout in the model uses.
type Duration = Setting[time.Duration]

// FormatDuration prints d the way configs write it: 90s, 5m, 1h30m, 250ms.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d%time.Second != 0 {
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	s := int64(d / time.Second)
	switch {
	case s%3600 == 0:
		return fmt.Sprintf("%dh", s/3600)
	case s%60 == 0:
		return fmt.Sprintf("%dm", s/60)
	}
	return fmt.Sprintf("%ds", s)
}

// Seconds prints d as a whole number of seconds followed by "s", the unit every message
// uses so numbers compare at a glance ("ALB idle_timeout 300s exceeds ... 5s").
func Seconds(d time.Duration) string {
	if d%time.Second != 0 {
		return fmt.Sprintf("%gs", d.Seconds())
	}
	return fmt.Sprintf("%ds", int64(d/time.Second))
}
