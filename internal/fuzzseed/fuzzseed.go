// Package fuzzseed makes the inputs of the fuzz targets that lint a whole directory
// (FuzzLint, FuzzFix): one input is an nginx.conf, a Caddyfile, a main.tf, an app.yaml and
// a compose.yaml, joined by a separator line, so the fuzzer mutates all the layers of a
// stack at once. Inputs made before the compose part existed have four parts and still
// work.
package fuzzseed

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// Names are the files an input is written to, in the order of its parts.
var Names = []string{"nginx.conf", "Caddyfile", "main.tf", "app.yaml", "compose.yaml"}

var sep = []byte("\n=====\n")

// FromDir joins the files under dir by kind into one input: nginx (.conf), Caddyfiles,
// Terraform (.tf), Kubernetes YAML (not .no502.yaml) and compose files.
func FromDir(dir string) []byte {
	var parts [5][]byte
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		switch {
		case strings.HasSuffix(p, ".conf"):
			parts[0] = append(parts[0], b...)
		case strings.Contains(p, "Caddyfile"):
			parts[1] = append(parts[1], b...)
		case strings.HasSuffix(p, ".tf"):
			parts[2] = append(parts[2], b...)
		case strings.Contains(filepath.Base(p), "compose") && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")):
			parts[4] = append(parts[4], b...)
		case strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".no502.yaml"):
			parts[3] = append(parts[3], b...)
		}
		return nil
	})
	return bytes.Join(parts[:], sep)
}

// Write splits an input into its parts and writes them into dir under Names.
func Write(dir string, data []byte) error {
	for i, p := range bytes.SplitN(data, sep, len(Names)) {
		if err := os.WriteFile(filepath.Join(dir, Names[i]), p, 0o644); err != nil {
			return err
		}
	}
	return nil
}
