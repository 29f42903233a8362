package rules

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/nginx"
	"github.com/no502/no502/parsers/terraform"
)

// A rule says what to change: a setting, its new value, at which definition. The format
// packages say how, as typed operations on their syntax (nginx.EditBlock,
// caddy.Editor, k8s.Patch, terraform.Set) that return byte edits; the fixes here only
// choose the operation and wrap its result. No code in this package edits text.

// Fix is a suggested correction: a snippet in the file's own language (the corrected
// block) and, where it can be computed, the byte edits that apply it. A fix the user must
// finish (a guessed value, a change that alone does not fix the problem) is snippet-only:
// SnippetOnly reports it, and it carries no edits.
type Fix struct {
	Description string
	Snippet     string
	Edits       []parsers.Edit

	// patch is the strategic merge patch of a Kubernetes fix (Snippet is its text), from
	// which ResolveEdits computes Edits when a run is to write them; newObject marks a
	// patch that creates its object.
	patch     k8s.Patch
	newObject bool
	manual    bool // see SnippetOnly
	// tf holds the Terraform settings of a fix whose edits and snippet are worked out
	// later (a fix run defers them: EditCache.DeferTerraform), as patch does for
	// Kubernetes; nil once they are.
	tf []terraform.Set

	// sets names the settings the fix changes as the config writes them
	// ("proxy_read_timeout", "minReplicas", "idle_timeout"); Settings maps them to the
	// model's fields, the only ones lint --fix lets change (see fixsafety.go).
	sets []string
	// unsafe marks a fix that changes behaviour a user may rely on (more replicas cost
	// money, a longer grace period slows deletes): written only with --unsafe-fixes.
	unsafe bool
	// shared holds the edits of a fix to a directive several routes share (a Caddy
	// snippet or file imported more than once), kept a snippet unless every one of
	// those routes needs this same change (writeSharedOnce).
	shared *sharedOnce
	// covers counts the findings the edits of a shared directive's fix clear (its own
	// and those of the other routes that import it: writeSharedOnce); leader is, on
	// each of those others, the fix that writes their change.
	covers int
	leader *Fix
}

// snippetOnly keeps the fix as a snippet to show: no edits, now or from ResolveEdits.
// For a change that alone does not fix the problem, or needs the user's choice.
func (f *Fix) snippetOnly() {
	f.Edits, f.patch, f.newObject, f.manual = nil, nil, false, true
}

// SnippetOnly reports whether the fix is deliberately not written by lint --fix: it
// needs a choice no502 cannot make, or does not fix the problem on its own.
func (f *Fix) SnippetOnly() bool { return f.manual }

// Writable reports whether the fix has edits, or will have them once its Kubernetes
// patch or Terraform settings are resolved (a fix run defers that for the findings it
// does not write): what lint --fix could write (with --unsafe-fixes for an unsafe one).
// Resolving may still turn it into a snippet.
func (f *Fix) Writable() bool {
	return len(f.Edits) > 0 || !f.manual && (f.patch != nil || len(f.tf) > 0)
}

// blockFix wraps the result of an nginx block edit. Edits that would take a shared
// line's other directives with them make the fix snippet-only.
func blockFix(desc string, b *nginx.BlockEdit) *Fix {
	edits, snippet, writable := b.Result()
	fix := &Fix{Description: desc, Snippet: snippet, Edits: edits, sets: b.Names()}
	if !writable {
		fix.snippetOnly()
	}
	return fix
}

// editBlock starts an edit of an nginx block of the model.
func editBlock(m *parsers.Model, block parsers.Pos) *nginx.BlockEdit {
	var src []byte
	if f := m.File(block.File); f != nil {
		src = f.Src
	}
	return nginx.EditBlock(src, block)
}

// k8sFix wraps a patch as a Fix. A rule may give the edits (a scalar replaced in place:
// k8s.ReplaceScalar); otherwise ResolveEdits computes them from the patch when a run is
// to write them.
func k8sFix(desc string, patch k8s.Patch, edits ...parsers.Edit) *Fix {
	return &Fix{Description: desc, Snippet: patch.Text(), Edits: edits, patch: patch, sets: patchKeys(patch, nil)}
}

// k8sSnippetFix wraps a patch that --fix must not write: one holding a value no502 had to
// guess (a probe's path: a wrong guess makes pods that never get ready), or one that is
// safe only after another change (a second replica of a pod with a ReadWriteOnce volume).
func k8sSnippetFix(desc string, patch k8s.Patch) *Fix {
	f := k8sFix(desc, patch)
	f.snippetOnly()
	return f
}

// k8sNewObjectFix wraps a patch that creates an object (a PodDisruptionBudget): --fix
// writes it as a new document after the object the finding is about.
func k8sNewObjectFix(desc string, patch k8s.Patch) *Fix {
	f := k8sFix(desc, patch)
	f.newObject = true
	return f
}

// tfFix writes Terraform attributes (terraform.Edits) as a Fix, reusing the edits of
// the rounds before where a file did not change (RunCached).
func (p *Pass) tfFix(desc string, sets ...terraform.Set) *Fix {
	var cache *terraform.EditCache
	if p.facts != nil {
		cache = p.facts.tfEdits
	}
	fix := &Fix{Description: desc}
	for _, s := range sets {
		fix.sets = append(fix.sets, s.Name)
	}
	for _, s := range sets {
		if s.Shared {
			// Writing the value into the module's attribute would change every call of
			// the module, and drop the input the others pass.
			var b strings.Builder
			for _, s := range sets {
				fmt.Fprintf(&b, "%s = %s\n", s.Name, s.Value)
			}
			fix.Snippet = b.String()
			fix.snippetOnly()
			fix.Description += fmt.Sprintf(" (a snippet: %s is a line of a module that each of its calls shares; set the value in the call this finding names, where that call decides it: no502 writes only a constant argument whose variable sets nothing else)", s.Name)
			return fix
		}
	}
	for i, s := range sets {
		if _, shared := sharedSpan(p.Model, s.At); shared && s.At.IsValid() && s.Raw == "" && overridable(p.Model, s) {
			// The value is in an object an entry merges (merge(local.base, {...})), and
			// the entry's own object, merge's last argument, is the block the setting
			// is read in: the attribute written there overrides the merged one for
			// this entry alone (session 18).
			sets[i].At = parsers.Pos{}
			continue
		}
		at := s.At
		if !at.IsValid() {
			at = s.In
		}
		if span, ok := sharedSpan(p.Model, at); ok {
			// The text is an object a local or a variable holds, which a map entry
			// merges (merge(local.base, {...})), or a for expression's constructor:
			// whatever else reads it would change too.
			var b strings.Builder
			for _, s := range sets {
				fmt.Fprintf(&b, "%s = %s\n", s.Name, s.Value)
			}
			fix.Snippet = b.String()
			fix.snippetOnly()
			fix.Description += fmt.Sprintf(" (a snippet: %s is written in the object at %s, which more than one place may read (a local an entry merges, the constructor of a for expression that writes every entry): an edit there changes each of them)", s.Name, span.Short())
			return fix
		}
	}
	for _, s := range sets {
		if len(s.Drops) > 0 {
			// The value read from the variables' defaults (or terraform.tfvars) is the
			// one no502 judged; an environment that passes its own value (-var-file,
			// TF_VAR_*, a module's caller) had another, which the constant replaces:
			// a timeout raised here may be one shortened there.
			vars := make([]string, len(s.Drops))
			for i, v := range s.Drops {
				vars[i] = "var." + v
			}
			fix.markUnsafe()
			fix.Description += fmt.Sprintf(" (unsafe: the constant replaces an expression that reads %s, so a value another environment sets for it (-var-file, TF_VAR_%s) no longer applies to %s)", strings.Join(vars, ", "), s.Drops[0], s.Name)
			break
		}
	}
	if p.facts != nil && p.facts.deferTF {
		// Worked out by EditCache.ResolveWhere, once the run knows which fixes it needs.
		fix.tf = sets
		return fix
	}
	fix.Edits, fix.Snippet = cache.Edits(p.Model, sets...)
	if len(fix.Edits) == 0 && !fix.manual {
		fix.guess(tfUnwritten(sets))
	}
	return fix
}

// tfUnwritten says why the Terraform settings sets got no edits: the file that decides
// them is in JSON syntax (a .tf.json or .tfvars.json file), which no502 shows as a
// snippet and does not write, or the file could not be written and formatted again.
func tfUnwritten(sets []terraform.Set) string {
	for _, s := range sets {
		file := s.At.File
		if !s.At.IsValid() {
			file = s.In.File
		}
		if file == "" || strings.HasSuffix(file, ".json") {
			where := "the file that holds it"
			if file != "" {
				where = file
			}
			return where + " is in Terraform's JSON syntax, which no502 does not write: set it there by hand"
		}
	}
	return "no502 could not write it and format the file again: set it by hand"
}

// tfSetting says where a Terraform setting of the model is changed: the attribute
// itself, or the variable default / tfvars line it came from when the attribute is
// exactly `var.x` (changing the value where it is decided keeps the variable in use);
// for a setting not written, a new attribute in the block in.
// sharedSpan reports the span of at's file that is read into more than one place
// (parsers.File.Shared) and holds at, if any.
// overridable reports whether set s, whose attribute lies in shared text, may be
// written as an attribute of its own into s.In instead: In is an object of its own (not
// shared text) in a native-syntax file. A node read from merge(...) is opened at
// merge's last argument, which the parser requires to be written in place (mergeNode):
// its attributes override every other argument's, for this entry alone. A nested
// object comes whole from one argument, so a setting of one read from shared text has
// its In there too.
func overridable(m *parsers.Model, s terraform.Set) bool {
	if !s.In.IsValid() || s.In.EndOffset <= s.In.Offset || strings.HasSuffix(s.In.File, ".json") {
		return false
	}
	_, shared := sharedSpan(m, s.In)
	return !shared
}

func sharedSpan(m *parsers.Model, at parsers.Pos) (parsers.Pos, bool) {
	if at.File == "" {
		return parsers.Pos{}, false
	}
	f := m.File(at.File)
	if f == nil {
		return parsers.Pos{}, false
	}
	for _, span := range f.Shared {
		if at.Start() >= span.Start() && at.End() <= span.End() && at.Start() < span.End() {
			return span, true
		}
	}
	return parsers.Pos{}, false
}

func tfSetting[T any](m *parsers.Model, s parsers.Setting[T], in parsers.Pos, name, value string) terraform.Set {
	if !s.Explicit() {
		return terraform.Set{In: in, Name: name, Value: value}
	}
	if s.Origin != nil && s.Origin.PerCall {
		// The value is one module call's (the module is evaluated once per call): the
		// attribute is shared by every call, so only the call's own argument (or the
		// default the call uses) may change, only when the variable feeds nothing else,
		// and only a constant: an argument that reads a variable may itself be a line
		// shared by the calls of its own module (a module calling a module).
		if via := s.Via(); len(via) == 1 && via[0].IsValid() && constantAttribute(m, via[0]) {
			if v, ok := bareVariable(m, s.Pos); ok && variableOwnedIn(m, filepath.Dir(s.Pos.File), strings.TrimPrefix(v, "var.")) {
				return terraform.Set{At: s.Via()[0], Name: name, Value: value}
			}
		}
		return terraform.Set{At: s.Pos, Name: name, Value: value, Shared: true}
	}
	if len(s.Via()) == 1 && s.Via()[0].IsValid() {
		if v, ok := bareVariable(m, s.Pos); ok && variableOwnedBy(m, strings.TrimPrefix(v, "var.")) {
			return terraform.Set{At: s.Via()[0], Name: name, Value: value}
		}
	}
	// At the use: a constant over an expression that reads variables drops the values
	// other environments give them (tfFix makes the fix unsafe).
	var drops []string
	if s.Origin != nil {
		drops = s.Origin.Vars
	}
	// In rides along for tfFix: where a value read from shared text (a local an entry
	// merges) may be overridden instead (overridable).
	return terraform.Set{At: s.Pos, In: in, Name: name, Value: value, Drops: drops}
}

// variableOwnedBy reports whether a fix may change variable name where it is decided:
// the setting it fixes is its only use (changing a default that feeds other resources
// changes them too), and it has no validation block (whose condition the new value might
// fail). Otherwise the fix writes the value at the use site.
func variableOwnedBy(m *parsers.Model, name string) bool {
	uses := 0
	for _, f := range m.Files {
		if f.Format != parsers.FormatTerraform || !strings.HasSuffix(f.Path, ".tf") {
			continue
		}
		if terraform.HasValidation(f.Src, name) {
			return false
		}
		uses += terraform.VariableUses(f.Src, name)
	}
	return uses == 1
}

// variableOwnedIn is variableOwnedBy counted in the files of one directory (a module's):
// the variable of a module evaluated per call is used there only.
func variableOwnedIn(m *parsers.Model, dir, name string) bool {
	uses := 0
	for _, f := range m.Files {
		if f.Format != parsers.FormatTerraform || !strings.HasSuffix(f.Path, ".tf") || filepath.Dir(f.Path) != dir {
			continue
		}
		if terraform.HasValidation(f.Src, name) {
			return false
		}
		uses += terraform.VariableUses(f.Src, name)
	}
	return uses == 1
}

// constantAttribute reports whether the attribute at pos is a constant.
func constantAttribute(m *parsers.Model, pos parsers.Pos) bool {
	f := m.File(pos.File)
	return f != nil && terraform.ConstantAttribute(f.Src, pos)
}

// bareVariable reports whether the attribute at pos is exactly var.NAME (and returns it).
func bareVariable(m *parsers.Model, pos parsers.Pos) (string, bool) {
	f := m.File(pos.File)
	if f == nil {
		return "", false
	}
	return terraform.BareVariable(f.Src, pos)
}

// syntaxTrees holds the syntax trees fixes re-read during one run (caddyTreesFact):
// every fix of a run reads the same few files, so each is parsed once (a 1,000-site
// Caddyfile re-parsed per fix takes minutes), and the trees go away with the run.
type syntaxTrees struct {
	mu    sync.Mutex
	caddy map[*parsers.File]*caddy.File
}

// caddyFile returns the Caddyfile holding pos (its own file, or the Caddyfile text held
// in a ConfigMap: positions are in that text) and its syntax tree.
func (p *Pass) caddyFile(pos parsers.Pos) (*parsers.File, *caddy.File) {
	f := p.Model.File(pos.File)
	if f == nil || f.Format != parsers.FormatCaddy || caddyJSONFact.Of(p)[f] {
		return nil, nil // JSON configs are not edited (fix_caddyjson.go)
	}
	t := caddyTreesFact.Of(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	if cf, ok := t.caddy[f]; ok {
		return f, cf
	}
	cf, _ := caddy.ParseFile(f.Path, f.Src)
	t.caddy[f] = cf
	return f, cf
}

// The corrections shared rules ask for. Each says what must change and leaves how to the
// hop's format; nil when the format has no fix for it.

// readTimeoutFix makes route r of hop h wait at least d for the upstream's response;
// note is a short reason a fix may put in a comment next to the value.
func (p *Pass) readTimeoutFix(h *parsers.Hop, r *parsers.Route, d time.Duration, note string) *Fix {
	switch h.Format {
	case parsers.FormatNginx:
		return nginxReadTimeoutFix(p.Model, r, d, note)
	case parsers.FormatCaddy:
		return caddyReadTimeoutFix(p, h, r, d, false)
	case parsers.FormatK8s:
		return k8sReadTimeoutFix(p, r, d, false)
	case parsers.FormatTerraform:
		return p.tfIdleTimeoutFix(h, r, d, false, note)
	}
	return nil
}

// lowerReadTimeoutFix makes route r give up before the edge does (edge is the edge's
// limit); the fix also says to acknowledge fast and queue the work.
func (p *Pass) lowerReadTimeoutFix(h *parsers.Hop, r *parsers.Route, edge time.Duration) *Fix {
	switch h.Format {
	case parsers.FormatNginx:
		return nginxLowerReadTimeoutFix(p.Model, r, edge)
	case parsers.FormatCaddy:
		return caddyReadTimeoutFix(p, h, r, edge, true)
	case parsers.FormatK8s:
		return k8sReadTimeoutFix(p, r, edge, true)
	case parsers.FormatTerraform:
		return p.tfIdleTimeoutFix(h, r, edge, true, "")
	}
	return nil
}

// passiveHealthFix takes failing targets of b out of rotation (t, when set, is the one
// with failure accounting disabled).
func (p *Pass) passiveHealthFix(format string, b *parsers.Backend, t *parsers.Target) *Fix {
	switch format {
	case parsers.FormatNginx:
		return nginxPassiveHealthFix(p.Model, b, t)
	case parsers.FormatCaddy:
		return caddyPassiveHealthFix(p, b)
	}
	return nil
}

// retryFix makes route r retry a failed connection on another target of its backend.
func (p *Pass) retryFix(h *parsers.Hop, r *parsers.Route) *Fix {
	switch h.Format {
	case parsers.FormatNginx:
		return nginxRetryFix(p.Model, h, r)
	case parsers.FormatCaddy:
		return caddyRetryFix(p, r)
	}
	return nil
}

// healthProxyFix forwards the health path route r answers itself to the app.
func (p *Pass) healthProxyFix(h *parsers.Hop, r *parsers.Route) *Fix {
	switch h.Format {
	case parsers.FormatNginx:
		return nginxHealthProxyFix(p.Model, h, r)
	case parsers.FormatCaddy:
		return caddyHealthProxyFix(p, r)
	}
	return nil
}

// addTargetFix adds another instance to b, which has the single target t.
func (p *Pass) addTargetFix(format string, b *parsers.Backend, t *parsers.Target) *Fix {
	switch format {
	case parsers.FormatNginx:
		return nginxAddTargetFix(p.Model, b, t)
	case parsers.FormatCaddy:
		return caddyAddTargetFix(p, b)
	}
	return nil
}

// upstreamKeepAliveFix wires route r for keep-alive to its upstream (nginx < 1.29.7).
func (p *Pass) upstreamKeepAliveFix(h *parsers.Hop, r *parsers.Route) *Fix {
	if h.Format == parsers.FormatNginx {
		return nginxUpstreamKeepAliveFix(p.Model, r)
	}
	return nil
}

// boundShutdownFix gives hop h the finite graceful-shutdown period and the delay of plan.
func (p *Pass) boundShutdownFix(h *parsers.Hop, plan caddyShutdownPlan) *Fix {
	if h.Format == parsers.FormatCaddy {
		return caddyShutdownFix(p, h, plan)
	}
	return nil
}
