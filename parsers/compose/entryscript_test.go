package compose

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestEntryScript: the start script a literal command line runs is read when the files
// hold it where the container finds it (0x3639/bridge-api: ENTRYPOINT ["/bin/bash",
// "/entrypoint.sh"] and COPY docker/entrypoint.sh /entrypoint.sh, which execs uvicorn).
func TestEntryScript(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) string {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	const body = "set -e\nalembic upgrade head\nexec uvicorn app:app --host 0.0.0.0\n"
	bash := write("docker/entrypoint.sh", "#!/bin/bash\n"+body)
	envsh := write("scripts/start.sh", "#!/usr/bin/env sh\n"+body)
	bare := write("bare.sh", body)
	py := write("run.py", "#!/usr/bin/env python3\nprint('hi')\n")
	other := write("other/entrypoint.sh", "#!/bin/sh\nexec gunicorn app:app\n")
	scripts := filepath.Join(dir, "scripts")
	cp := func(p, at string) []parsers.ComposeMount { return []parsers.ComposeMount{{Path: p, Target: at}} }
	for _, c := range []struct {
		name           string
		command, args  []string
		mounts, copies []parsers.ComposeMount
		want           string // host file read, "" for none
		word           int
	}{
		{"exec form, copied", []string{"/entrypoint.sh"}, nil, nil, cp(bash, "/entrypoint.sh"), bash, 0},
		{"through bash, copied", []string{"/bin/bash", "/entrypoint.sh"}, nil, nil, cp(bash, "/entrypoint.sh"), bash, 1},
		{"through sh -e, with args", []string{"sh", "-e", "/entrypoint.sh"}, []string{"web"}, nil, cp(bash, "/entrypoint.sh"), bash, 2},
		{"service command, env shebang", nil, []string{"/app/scripts/start.sh"}, nil, cp(scripts, "/app/scripts"), envsh, 0},
		{"bind mount", nil, []string{"/start.sh"}, cp(bash, "/start.sh"), nil, bash, 0},
		{"bind mount over the copy", []string{"/entrypoint.sh"}, nil, cp(other, "/entrypoint.sh"), cp(bash, "/entrypoint.sh"), other, 0},
		{"the deepest mount wins", []string{"/app/docker/entrypoint.sh"}, nil, append(cp(other, "/app/docker/entrypoint.sh"), cp(dir, "/app")...), nil, other, 0},
		{"a directory mount", []string{"/app/docker/entrypoint.sh"}, nil, cp(dir, "/app"), nil, bash, 0},
		{"later copy wins", []string{"/entrypoint.sh"}, nil, nil, append(cp(other, "/entrypoint.sh"), cp(bash, "/entrypoint.sh")...), bash, 0},
		{"no shebang but run by a shell", []string{"sh", "/bare.sh"}, nil, nil, cp(bare, "/bare.sh"), bare, 1},
		// Left out.
		{"sh -c", []string{"sh", "-c", "/entrypoint.sh"}, nil, nil, cp(bash, "/entrypoint.sh"), "", 0},
		{"sh -ec", []string{"sh", "-ec", "/entrypoint.sh"}, nil, nil, cp(bash, "/entrypoint.sh"), "", 0},
		{"variable in the path", []string{"$APP_HOME/entrypoint.sh"}, nil, nil, cp(bash, "/entrypoint.sh"), "", 0},
		{"variable in a shell option", []string{"bash", "${OPTS}", "/entrypoint.sh"}, nil, nil, cp(bash, "/entrypoint.sh"), "", 0},
		{"relative path", []string{"./entrypoint.sh"}, nil, nil, cp(bash, "/app/entrypoint.sh"), "", 0},
		{"no shebang, run directly", []string{"/bare.sh"}, nil, nil, cp(bare, "/bare.sh"), "", 0},
		{"not a shell script", []string{"/run.py"}, nil, nil, cp(py, "/run.py"), "", 0},
		{"not in the files", []string{"/entrypoint.sh"}, nil, nil, nil, "", 0},
		{"another path", []string{"/docker-entrypoint.sh"}, nil, nil, cp(bash, "/entrypoint.sh"), "", 0},
		{"a program, not a script", nil, []string{"gunicorn", "app:app"}, nil, cp(bash, "/entrypoint.sh"), "", 0},
	} {
		got := entryScript(&parsers.Container{Command: c.command, Args: c.args}, c.mounts, c.copies, parsers.Options{})
		switch {
		case c.want == "" && got != nil:
			t.Errorf("%s: read %s", c.name, got.File)
		case c.want != "" && got == nil:
			t.Errorf("%s: not read, want %s", c.name, c.want)
		case c.want != "" && (got.File != c.want || got.Word != c.word):
			t.Errorf("%s: read %s (word %d), want %s (word %d)", c.name, got.File, got.Word, c.want, c.word)
		}
	}
}
