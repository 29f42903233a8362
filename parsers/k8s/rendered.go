package k8s

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// Rendered output: a stream `helm template` or `kustomize build` printed. Each document
// is traced to the file the user edits (parsers.Rendered), so a finding can name it and
// no fix is written into text the next render replaces.

// helmSourcePrefix starts the comment helm template writes on the line after each
// document's "---": "# Source: mychart/templates/deployment.yaml".
const helmSourcePrefix = "# Source: "

// originAnnotation is where kustomize (buildMetadata: [originAnnotations]) records the
// file a resource came from: a YAML text such as "path: base/deployment.yaml\n", with
// repo: and ref: for a remote base, or configuredIn: for a generated resource.
const originAnnotation = "config.kubernetes.io/origin"

// renderedDoc traces the document whose root mapping is root to its source, when it
// names one. first is the document's first line (after its "---"), last its last.
func renderedDoc(s *source, root *yaml.Node, first, last int) (parsers.Rendered, bool) {
	r := parsers.Rendered{Line: first, EndLine: last}
	// helm template puts the comment between the marker and the object; a comment
	// further down is the template's own.
	for l := first; l < root.Line && r.From == ""; l++ {
		if from, ok := strings.CutPrefix(strings.TrimRight(s.line(l), " \r"), helmSourcePrefix); ok && strings.TrimSpace(from) != "" {
			r.From, r.By = strings.TrimSpace(from), "helm"
		}
	}
	if r.From == "" {
		if r.From = kustomizeOrigin(str(root, "metadata", "annotations", originAnnotation)); r.From == "" {
			return r, false
		}
		r.By = "kustomize"
	}
	if !strings.HasSuffix(str(root, "kind"), "List") {
		r.Kind, r.Name, r.Namespace = str(root, "kind"), str(root, "metadata", "name"), str(root, "metadata", "namespace")
		if r.Namespace == "" {
			r.Namespace = "default"
		}
	}
	return r, true
}

// kustomizeOrigin reads the file an origin annotation names: its path (relative to the
// kustomization built), prefixed with the repository for a remote base ("repo//path?ref=
// v1", kustomize's own form for remote resources), or the kustomization that generated
// the resource (configuredIn: a configMapGenerator's).
func kustomizeOrigin(v string) string {
	fields := map[string]string{}
	for _, l := range strings.Split(v, "\n") {
		if k, val, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, " ") {
			fields[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(val), `"'`)
		}
	}
	path := fields["path"]
	if path == "" {
		return fields["configuredIn"]
	}
	if repo := fields["repo"]; repo != "" {
		path = repo + "//" + path
		if ref := fields["ref"]; ref != "" {
			path += "?ref=" + ref
		}
	}
	return path
}

// docLines is the first and last line of the document whose root starts on line: from
// the line after the previous separator to the line before the next one.
func docLines(s *source, seps []int, line int) (first, last int) {
	first, last = 1, s.lines.Count()
	for _, l := range seps {
		if l < line {
			first = l + 1
		} else if l > line {
			last = l - 1
			break
		}
	}
	return first, last
}

// isRenderedStream reports whether src is helm template output: a "# Source:" comment on
// the line after a document marker. Such a file under templates/ (helm template
// --output-dir writes chart/templates/x.yaml) is rendered, not a template, even when a
// value in it holds "{{" (a ConfigMap carrying a Go template of its own).
func isRenderedStream(src []byte) bool {
	return bytes.HasPrefix(src, []byte("---\n"+helmSourcePrefix)) || bytes.Contains(src, []byte("\n---\n"+helmSourcePrefix)) ||
		bytes.HasPrefix(src, []byte(helmSourcePrefix))
}
