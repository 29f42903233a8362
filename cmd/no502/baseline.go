package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/no502/no502/rules"
)

// Baselines name files relative to the baseline file's own directory, so the same
// baseline works whether no502 runs from the repository root or from a subdirectory.

// baselineKeys returns each reported finding's baseline key.
func baselineKeys(rep *report, baselinePath, cwd string) []rules.BaselineKey {
	dir := filepath.Dir(absPath(baselinePath, cwd))
	texts := rules.LineTexts(rep.Model, rep.Findings)
	keys := make([]rules.BaselineKey, len(rep.Findings))
	for i, f := range rep.Findings {
		file := f.Pos.File
		if rel, err := filepath.Rel(dir, absPath(file, cwd)); err == nil {
			file = filepath.ToSlash(rel)
		}
		keys[i] = rules.BaselineKey{Rule: f.Rule.ID, File: file, Text: texts[i]}
	}
	return keys
}

func absPath(p, cwd string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(cwd, filepath.FromSlash(p))
}

func readBaseline(path string) (*rules.Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return rules.ReadBaseline(f)
}

// writeBaseline records the report's findings in path.
func writeBaseline(path, cwd string, rep *report) (*rules.Baseline, error) {
	b := rules.NewBaseline(baselineKeys(rep, path, cwd))
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("--write-baseline: %v", err)
	}
	return b, nil
}

// applyBaseline hides the findings the baseline records.
func applyBaseline(rep *report, b *rules.Baseline, path, cwd string) {
	fresh, known := b.Filter(rep.Findings, baselineKeys(rep, path, cwd))
	rep.Findings, rep.Known, rep.Baseline = fresh, known, path
}
