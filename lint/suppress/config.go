package suppress

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/config"
	"github.com/no502/no502/internal/suggest"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
	"github.com/no502/no502/rules"
)

// ApplyConfig drops the findings that an entry of the config's suppress: section covers:
// by the finding's file (a glob relative to the config's directory) and, for Kubernetes
// manifests, by the object the finding sits in (kind, namespace, name). cwd is the
// directory the findings' paths are relative to. Unlike inline suppressions these are
// honoured by --strict (they are reviewed in one place); --no-ignore shows every
// finding, so the caller skips this step then.
func ApplyConfig(m *parsers.Model, cfg *config.Config, fs []rules.Finding, cwd string) []rules.Finding {
	if cfg == nil || len(cfg.Suppress) == 0 || m == nil {
		return fs
	}
	objects := map[string][]object{}
	kept := fs[:0:0]
	for _, f := range fs {
		if f.Rule.ID == rules.UnusedSuppressionID || f.Rule.ID == rules.InlineSuppressionID {
			kept = append(kept, f)
			continue
		}
		abs := f.Pos.File
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, filepath.FromSlash(abs))
		}
		dropped := false
		for _, s := range cfg.Suppress {
			if !s.Covers(f.Rule.ID) || !cfg.MatchFile(s, abs) {
				continue
			}
			if s.K8s() {
				objs, ok := objects[f.Pos.File]
				if !ok {
					objs = k8sObjects(m.File(f.Pos.File))
					objects[f.Pos.File] = objs
				}
				o := objectAt(objs, int(f.Pos.Line))
				if o == nil || !s.MatchObject(o.kind, o.namespace, o.name) {
					continue
				}
			}
			dropped = true
			break
		}
		if !dropped {
			kept = append(kept, f)
		}
	}
	return kept
}

// object is one Kubernetes object of a manifest: its identity and its lines.
type object struct {
	kind, namespace, name string
	first, last           int
}

func objectAt(objs []object, line int) *object {
	for i := range objs {
		if line >= objs[i].first && line <= objs[i].last {
			return &objs[i]
		}
	}
	return nil
}

// k8sObjects lists the objects of a Kubernetes manifest, one per YAML document; a List
// document is not split (its items are matched as the List).
func k8sObjects(f *parsers.File) []object {
	if f == nil || f.Format != parsers.FormatK8s {
		return nil
	}
	lines := lineSpans(f.Src)
	var out []object
	first := 0
	flush := func(end int) {
		if end <= first {
			return
		}
		doc := f.Src[lines[first].start:lines[end-1].next]
		var meta struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"metadata"`
		}
		if len(bytes.TrimSpace(doc)) == 0 || yaml.Unmarshal(doc, &meta) != nil || meta.Kind == "" {
			return
		}
		out = append(out, object{kind: meta.Kind, namespace: meta.Metadata.Namespace, name: meta.Metadata.Name, first: first + 1, last: end})
	}
	for i, ln := range lines {
		t := f.Src[ln.start:ln.end]
		if bytes.HasPrefix(t, []byte("---")) && (len(t) == 3 || t[3] == ' ' || t[3] == '\t') {
			flush(i)
			first = i + 1
		}
	}
	flush(len(lines))
	return out
}

// UnusedConfig reports, as unused-suppression findings at the entry's line of
// .no502.yaml, the entries of the suppress: section that name nothing in the linted
// tree: a path glob that matches no file no502 lints (a typo, a directory moved), or a
// kind, namespace or name that no Kubernetes object in the files the entry covers has.
// Such an entry hides nothing today and is almost always a mistake; the findings it was
// written for are shown. An entry that names files or objects but hides no finding is not
// reported: unlike a comment on one line, it is written for whatever those files (a
// vendored chart, generated manifests) will hold after the next update.
//
// The caller calls it only for a run that covers the config's whole directory (a
// directory run of it or a parent, not named files): a glob may name a file outside a
// narrower run. Files that did not parse count as files; objects are not judged when a
// file did not parse (it may hold the object).
//
// scope, when not nil, is the run's share of a directory divided among several configs
// (a monorepo with a .no502.yaml per service): only the files it names are the run's.
func UnusedConfig(m *parsers.Model, cfg *config.Config, cwd string, scope *Scope) []rules.Finding {
	if m == nil || cfg == nil || len(cfg.Suppress) == 0 {
		return nil
	}
	sev := unusedSeverity(cfg)
	if sev == parsers.Off {
		return nil
	}
	// The files of the run, as the entries' globs see them (relative to the config's
	// directory), by absolute path.
	var files []lintedFile
	seen := map[string]bool{}
	broken := false
	add := func(display string) {
		if seen[display] || scope != nil && !scope.Own[display] {
			return
		}
		seen[display] = true
		abs := display
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, filepath.FromSlash(abs))
		}
		rel, _ := filepath.Rel(cfg.Dir(), abs)
		files = append(files, lintedFile{abs: abs, rel: filepath.ToSlash(rel), display: display})
	}
	for _, f := range m.Files {
		if f.Host == "" {
			add(f.Path)
		}
	}
	for _, d := range m.Diags {
		if d.Severity == parsers.Error && d.Pos.File != "" {
			// An embedded config's error names it after its host ("cm.yaml#nginx.conf").
			add(d.Pos.File)
			if host, _, ok := strings.Cut(d.Pos.File, "#"); ok && host != "" {
				add(host)
			}
			broken = true
		}
	}
	objects := map[string][]object{}
	objectsOf := func(display string) []object {
		objs, ok := objects[display]
		if !ok {
			objs = k8sObjects(m.File(display))
			objects[display] = objs
		}
		return objs
	}
	var out []rules.Finding
	for _, s := range cfg.Suppress {
		var covered []lintedFile
		for _, f := range files {
			if cfg.MatchFile(s, f.abs) {
				covered = append(covered, f)
			}
		}
		report := func(at, msg string) {
			pos, ok := s.At[at]
			if !ok {
				pos = s.Pos
			}
			out = append(out, rules.Finding{Rule: rules.UnusedSuppression, Severity: sev, Pos: pos, Message: msg})
		}
		if len(covered) == 0 && scope != nil {
			if other, files := scope.governedElsewhere(cfg, s); other != "" {
				report("path", fmt.Sprintf("suppress entry: path `%s` matches only files that %s governs (%s): their run reads that config, not %s, so the entry hides nothing: move it to %s (with the path relative to its directory), or remove it.",
					s.Path, other, files, cfg.Path, other))
				continue
			}
		}
		if len(covered) == 0 && !namesSkippedDir(s.Path) {
			report("path", fmt.Sprintf("suppress entry: path `%s` matches no file this run lints, so the entry hides nothing: correct the glob (it is relative to the directory of %s%s), or remove the entry.",
				s.Path, cfg.Path, pathHint(cfg, s, files)))
			continue
		}
		if len(covered) == 0 || !s.K8s() || broken {
			continue
		}
		var objs []object
		for _, f := range covered {
			objs = append(objs, objectsOf(f.display)...)
		}
		matched := false
		for _, o := range objs {
			if s.MatchObject(o.kind, o.namespace, o.name) {
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		where := "in the linted files"
		if s.Path != "" {
			where = fmt.Sprintf("in the files path `%s` matches", s.Path)
		}
		crit := []struct{ key, value string }{{"kind", s.Kind}, {"namespace", s.Namespace}, {"name", s.Name}}
		var given []string
		for _, c := range crit {
			if c.value != "" {
				given = append(given, fmt.Sprintf("%s `%s`", c.key, c.value))
			}
		}
		first := "kind"
		if s.Kind == "" {
			first = "namespace"
			if s.Namespace == "" {
				first = "name"
			}
		}
		if len(objs) == 0 {
			report(first, fmt.Sprintf("suppress entry: there is no Kubernetes object %s, so %s matches nothing and the entry hides nothing: correct it, or remove the entry.", where, andList(given)))
			continue
		}
		// Name the criterion that matches no object on its own, with the nearest value
		// the objects have; else the combination.
		reported := false
		for _, c := range crit {
			if c.value == "" {
				continue
			}
			var values []string
			found, unset := false, false
			for _, o := range objs {
				v := map[string]string{"kind": o.kind, "namespace": o.namespace, "name": o.name}[c.key]
				if ok, _ := path.Match(c.value, v); ok {
					found = true
					break
				}
				if v != "" {
					values = append(values, v)
				} else {
					unset = true
				}
			}
			if found {
				continue
			}
			hint := ""
			if near := suggest.Closest(c.value, values); near != "" && !strings.ContainsAny(c.value, "*?[") {
				hint = fmt.Sprintf(" (did you mean `%s`?)", near)
			}
			if c.key == "namespace" && unset {
				hint += " (an object without metadata.namespace matches only an entry that names no namespace, or `*`: its namespace is decided when it is applied)"
			}
			report(c.key, fmt.Sprintf("suppress entry: %s `%s` matches no Kubernetes object %s%s, so the entry hides nothing: correct it, or remove the entry.", c.key, c.value, where, hint))
			reported = true
			break
		}
		if !reported {
			report(first, fmt.Sprintf("suppress entry: no Kubernetes object %s has %s together, so the entry hides nothing: correct it, or remove the entry.", where, andList(given)))
		}
	}
	return out
}

// unusedSeverity is the severity of unused-suppression in cfg (Off: switched off).
func unusedSeverity(cfg *config.Config) parsers.Severity {
	sev := rules.UnusedSuppression.Severity
	if o, ok := cfg.Rules[rules.UnusedSuppressionID]; ok {
		sev = o.Value
	}
	return sev
}

// namesSkippedDir reports whether a glob names a directory that a directory run does
// not descend into (vendor/, node_modules/, a hidden one): the files there are linted
// when named (pre-commit names them), and the entry is for those runs.
func namesSkippedDir(glob string) bool {
	for _, seg := range strings.Split(glob, "/") {
		if load.SkippedDir(seg) {
			return true
		}
	}
	return false
}

// Scope is a run's share of a directory that splitByConfig divided among the configs
// that govern its parts.
type Scope struct {
	// Own are the files the run reports (as shown): those its config governs.
	Own map[string]bool
	// Others are the files the other configs govern: absolute path → the config's path
	// as shown.
	Others map[string]string
}

// governedElsewhere returns the config, as shown, that governs the first of the files
// the entry's glob matches among the other configs' files (in path order), and those
// files of it (at most three, as shown); "" when it matches none.
func (sc *Scope) governedElsewhere(cfg *config.Config, s config.Suppression) (other, files string) {
	var abs []string
	for a := range sc.Others {
		if cfg.MatchFile(s, a) {
			abs = append(abs, a)
		}
	}
	if len(abs) == 0 {
		return "", ""
	}
	sort.Strings(abs)
	other = sc.Others[abs[0]]
	var names []string
	for _, a := range abs {
		if sc.Others[a] != other {
			continue
		}
		if len(names) == 3 {
			names = append(names, "...")
			break
		}
		rel, err := filepath.Rel(cfg.Dir(), a)
		if err != nil {
			rel = a
		}
		names = append(names, filepath.ToSlash(rel))
	}
	return other, strings.Join(names, ", ")
}

// lintedFile is a file of the run: its absolute path, its path relative to the config's
// directory (with slashes) and its path as shown.
type lintedFile struct {
	abs, rel, display string
}

// pathHint is "; did you mean `x`?" when replacing the glob's leading literal directories
// (or the whole of a glob without wildcards) by the nearest ones the linted files have
// gives a glob that matches one of them; else "".
func pathHint(cfg *config.Config, s config.Suppression, files []lintedFile) string {
	segs := strings.Split(strings.TrimSuffix(s.Path, "/"), "/")
	k := 0
	for k < len(segs) && segs[k] != "" && !strings.ContainsAny(segs[k], "*?[{\\") {
		k++
	}
	if k == 0 {
		return ""
	}
	literal := strings.Join(segs[:k], "/")
	var cands []string
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasPrefix(f.rel, "../") {
			continue
		}
		fsegs := strings.Split(f.rel, "/")
		var c []string
		if len(fsegs) >= k {
			c = append(c, strings.Join(fsegs[:k], "/"))
		}
		if k == 1 && len(segs) == 1 {
			c = append(c, fsegs[len(fsegs)-1]) // a glob without a slash matches base names
		}
		for _, x := range c {
			if !seen[x] {
				seen[x] = true
				cands = append(cands, x)
			}
		}
	}
	near := suggest.Closest(literal, cands)
	if near == "" || near == literal {
		return ""
	}
	glob := near + strings.TrimPrefix(s.Path, literal)
	t := s
	t.Path = glob
	for _, f := range files {
		if cfg.MatchFile(t, f.abs) {
			return fmt.Sprintf("; did you mean `%s`?", glob)
		}
	}
	return ""
}

// andList joins words as English does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
