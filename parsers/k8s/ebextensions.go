package k8s

import (
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// EBExtensionsOwner is the Embedded.Owner of nginx text held in an Elastic Beanstalk
// .ebextensions config: no workload mounts it, and no502 writes no fix into it.
const EBExtensionsOwner = "ebextensions"

// IsEBExtension reports whether path is an Elastic Beanstalk configuration file: a
// .config file directly in .ebextensions/ of the application bundle (Beanstalk reads
// those, in name order, and no other; "Advanced environment customization with
// configuration files", https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/ebextensions.html).
func IsEBExtension(p string) bool {
	return strings.HasSuffix(strings.ToLower(p), ".config") && filepath.Base(filepath.Dir(p)) == ".ebextensions"
}

// ebNginxDest reports whether a files: entry's destination is a file the platform's
// nginx reads: nginx.conf, or a .conf under /etc/nginx/ (conf.d/*.conf, included in
// http{}; conf.d/elasticbeanstalk/*.conf, in the default server{}).
func ebNginxDest(dest string) bool {
	if !strings.HasPrefix(dest, "/etc/nginx/") || strings.Contains(dest, "..") {
		return false
	}
	return strings.HasSuffix(dest, ".conf") && path.Base(dest) != "mime.types"
}

// readEBExtensions reads an .ebextensions config (YAML, or JSON, which YAML reads): each
// files: entry whose destination is an nginx file and whose content: is a literal block
// scalar (|) becomes an Embedded nginx file ("app/.ebextensions/proxy.config#/etc/nginx/
// conf.d/proxy.conf"), parsed as that file with its positions mapped into the config,
// as nginx text in a ConfigMap is. Content written otherwise (a quoted or folded
// scalar, a JSON string) cannot be mapped line by line: a note says it is not read. An
// entry with source: (a URL) holds no text. Nothing else of the file is read.
func readEBExtensions(in parsers.Input, m *parsers.Model) {
	docs, err := DecodeDocuments(in.Src)
	if err != nil {
		// Beanstalk refuses the bundle; the YAML error is not no502's to report here
		// (the file may be a template), so it is a note.
		m.Diags = append(m.Diags, parsers.Notef(parsers.Pos{File: in.Path, Line: 1, Col: 1},
			"Elastic Beanstalk config does not parse as YAML (%v): its files: entries are not read", shortYAMLErr(err)))
		return
	}
	s := newSource(in.Path, in.Src)
	for _, d := range docs {
		files := valueOf(docRoot(d), "files")
		if files == nil || files.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(files.Content); i += 2 {
			dk, entry := files.Content[i], files.Content[i+1]
			if dk.Kind != yaml.ScalarNode || !ebNginxDest(dk.Value) || entry.Kind != yaml.MappingNode {
				continue
			}
			var k, v *yaml.Node
			for j := 0; j+1 < len(entry.Content); j += 2 {
				if entry.Content[j].Kind == yaml.ScalarNode && entry.Content[j].Value == "content" {
					k, v = entry.Content[j], entry.Content[j+1]
				}
			}
			if v == nil {
				continue // source: a URL, or no text
			}
			if v.Kind != yaml.ScalarNode || v.Style != yaml.LiteralStyle {
				m.Diags = append(m.Diags, parsers.Notef(s.pos(k),
					"the content of %s is not a literal block scalar (content: |): not analysed", dk.Value))
				continue
			}
			line, indent := blockStart(s, k, v)
			if line == 0 {
				continue
			}
			p := in.Path + "#" + dk.Value
			dup := false
			for _, e := range m.Embedded {
				dup = dup || e.Path == p
			}
			if dup {
				continue // the same destination in a second document: the first is read
			}
			m.Embedded = append(m.Embedded, parsers.Embedded{
				Format: parsers.FormatNginx,
				Path:   p,
				Key:    dk.Value,
				Src:    []byte(v.Value),
				Host:   in.Path,
				Line:   line,
				Col:    indent + 1,
				Indent: indent,
				Owner:  EBExtensionsOwner,
			})
		}
	}
}

// shortYAMLErr is the first line of a YAML decoding error, without the package prefix.
func shortYAMLErr(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return strings.TrimPrefix(msg, "yaml: ")
}
