package lint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// writeFiles writes files into a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const checkedConf = "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://127.0.0.1:8080;\n      proxy_read_timeout 30s;\n      proxy_connect_timeout 5s;\n    }\n  }\n}\n"

// candidateFor makes a fix of nginx.conf that replaces old by new and names settings.
func candidateFor(t *testing.T, id, old, new string, settings ...string) candidate {
	t.Helper()
	i := strings.Index(checkedConf, old)
	if i < 0 {
		t.Fatalf("%q not in the config", old)
	}
	fix := (&rules.Fix{Description: id, Edits: []parsers.Edit{{File: "nginx.conf", Start: i, End: i + len(old), New: new}}}).Declare(settings...)
	return candidate{id: id, finding: &rules.Finding{Fix: fix}}
}

// TestCheckRound: a round of fixes is kept only when every setting that changed is one a
// fix editing its object names, and the files parse as before; isolate finds the one
// fix to blame and leaves the others.
func TestCheckRound(t *testing.T) {
	dir := writeFiles(t, map[string]string{"nginx.conf": checkedConf})
	ctx := context.Background()
	r, err := newRunner([]string{"."}, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	before, err := r.run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	fr := &FixResult{orig: map[string][]byte{}, fixed: map[string][]byte{}, display: map[string]string{}, outside: map[string]string{}, aliases: map[string]string{}}
	chk := &checker{r: r, fr: fr, ctx: ctx}
	run := func(cands ...candidate) map[string]string {
		t.Helper()
		next, _, _, err := chk.try(before, cands)
		if err != nil {
			t.Fatal(err)
		}
		return chk.check(before, next, cands)
	}

	good := candidateFor(t, "read", "proxy_read_timeout 30s;", "proxy_read_timeout 100s;", "proxy_read_timeout")
	if bad := run(good); bad != nil {
		t.Errorf("a fix that changes only what it names was refused: %v", bad)
	}
	// Names proxy_read_timeout, changes proxy_connect_timeout too.
	sly := candidateFor(t, "sly", "proxy_connect_timeout 5s;", "proxy_connect_timeout 9s;", "proxy_read_timeout")
	bad := run(sly)
	if !strings.Contains(bad["sly"], "ConnectTimeout") {
		t.Errorf("a fix that changes a setting it does not name was kept: %v", bad)
	}
	// A duplicate directive nginx rejects.
	dup := candidateFor(t, "dup", "proxy_read_timeout 30s;", "proxy_read_timeout 30s;\n      proxy_read_timeout 100s;", "proxy_read_timeout")
	if bad := run(dup); !strings.Contains(bad["dup"], "duplicate") {
		t.Errorf("a fix that writes a duplicate directive was kept: %v", bad)
	}
	// A broken file.
	broken := candidateFor(t, "broken", "proxy_read_timeout 30s;", "proxy_read_timeout \"100s;", "proxy_read_timeout")
	if bad := run(broken); !strings.Contains(bad["broken"], "does not parse") {
		t.Errorf("a fix that breaks the file was kept: %v", bad)
	}

	// Together, the good fix survives and only the sly one is blamed.
	bad = run(good, sly)
	culprits, err := chk.isolate(before, []candidate{good, sly}, bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := culprits["sly"]; !ok || len(culprits) != 1 {
		t.Errorf("culprits = %v, want sly alone", culprits)
	}
}
