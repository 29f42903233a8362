package lint_test

import (
	"context"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers/load"
)

// A named conf.d fragment outside a git repository is read with its own directory as
// context, without the nginx.conf above it that includes it: the run says so in a note at
// the fragment, so a user who sees fewer findings than CI knows why. Inside the
// repository, with the main file named, or with it under context:, there is no note.
func TestNoteFragmentReadWithoutItsMainFile(t *testing.T) {
	main := "events {}\nhttp {\n    proxy_read_timeout 300s;\n    include conf.d/*.conf;\n}\n"
	frag := "upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; }\nserver {\n    listen 80;\n    location / { proxy_pass http://app; }\n}\n"
	note := func(t *testing.T, files map[string]string, opts lint.Options, paths ...string) string {
		t.Helper()
		dir := writeTree(t, files)
		opts.Cwd = dir
		res, err := lint.Run(context.Background(), paths, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range res.Notes {
			if strings.Contains(n.Message, "without the nginx.conf") {
				got = append(got, n.String())
			}
		}
		return strings.Join(got, "\n")
	}
	base := map[string]string{"nginx.conf": main, "conf.d/app.conf": frag}
	want := "conf.d/app.conf:1:1: info: checked without the nginx.conf that includes it: outside a git repository, a named file's context is its own directory (conf.d), and no file there includes this one, so the settings around it are nginx's defaults; lint from the repository's root, or list the main nginx.conf under context: in .no502.yaml"
	if got := note(t, base, lint.Options{}, "conf.d/app.conf"); got != want {
		t.Errorf("outside git:\n got %q\nwant %q", got, want)
	}
	// The same file piped on standard input under its name.
	if got := note(t, base, lint.Options{Load: load.Options{Stdin: []byte(frag), StdinName: "conf.d/app.conf"}}); got != want {
		t.Errorf("stdin outside git:\n got %q\nwant %q", got, want)
	}
	inGit := map[string]string{".git/HEAD": "ref: refs/heads/main\n", "nginx.conf": main, "conf.d/app.conf": frag}
	if got := note(t, inGit, lint.Options{}, "conf.d/app.conf"); got != "" {
		t.Errorf("in a git repository: %q", got)
	}
	if got := note(t, base, lint.Options{}, "nginx.conf", "conf.d/app.conf"); got != "" {
		t.Errorf("main file named too: %q", got)
	}
	withContext := map[string]string{".no502.yaml": "context:\n  - nginx.conf\n", "nginx.conf": main, "conf.d/app.conf": frag}
	if got := note(t, withContext, lint.Options{}, "conf.d/app.conf"); got != "" {
		t.Errorf("main file under context: %q", got)
	}
	if got := note(t, base, lint.Options{}, "nginx.conf"); got != "" {
		t.Errorf("main file alone: %q", got)
	}
	if got := note(t, base, lint.Options{}, "."); got != "" {
		t.Errorf("directory run: %q", got)
	}
}
