package appserver

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestStartScript: the server a start script runs is read from the script's lines, at
// their places in it; comments and here-documents are not commands.
func TestStartScript(t *testing.T) {
	for _, c := range []struct {
		name, text string
		args       []string
		want       string // server name, "" for none
		line       int32
		keepAlive  string
	}{
		{"exec uvicorn over lines", "#!/bin/bash\nset -e\n\necho \"Running migrations...\"\nalembic upgrade head\n# one worker: the scheduler\nexec uvicorn src.main:app \\\n    --host 0.0.0.0 \\\n    --port ${API_PORT:-8001} \\\n    --workers 1\n", nil, Uvicorn, 7, "5s"},
		{"gunicorn with its keep-alive", "#!/bin/sh\npython manage.py migrate --noinput\nexec gunicorn app.wsgi -b 0.0.0.0:8000 -k gthread --keep-alive 75\n", nil, Gunicorn, 3, "75s"},
		{"a comment names a server", "#!/bin/sh\n# gunicorn used to run here\nexec ./server --port 8000\n", nil, "", 0, ""},
		{"a trailing comment names a server", "#!/bin/sh\nexec ./server --port 8000 # not gunicorn any more\n", nil, "", 0, ""},
		{"a here-document names a server", "#!/bin/sh\ncat > /etc/supervisor.conf <<EOF\ncommand=gunicorn app:app\nEOF\nexec ./server\n", nil, "", 0, ""},
		{"exec \"$@\" runs the command", "#!/bin/sh\nset -e\n./wait-for db:5432\nexec \"$@\"\n", []string{"uvicorn", "main:app"}, Uvicorn, 0, "5s"},
		{"the command names the server, the script another", "#!/bin/sh\nnginx\nexec \"$@\"\n", []string{"uvicorn", "main:app"}, Uvicorn, 0, "5s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctr := &parsers.Container{Command: []string{"/entrypoint.sh"}, Args: c.args, StartScript: &parsers.StartScript{Word: 0, File: "docker/entrypoint.sh", Text: c.text}}
			a := Detect(ctr)
			switch {
			case c.want == "" && a != nil:
				t.Fatalf("detected %s at %v", a.Name, a.Pos)
			case c.want == "":
				return
			case a == nil || a.Name != c.want:
				t.Fatalf("detected %v, want %s", a, c.want)
			}
			if c.line > 0 && (a.Pos.File != "docker/entrypoint.sh" || a.Pos.Line != c.line) {
				t.Errorf("at %v, want docker/entrypoint.sh:%d", a.Pos, c.line)
			}
			if c.line > 0 && !strings.HasSuffix(a.Note, "started by docker/entrypoint.sh") {
				t.Errorf("note %q", a.Note)
			}
			if !a.KeepAlive.Known() || parsers.FormatDuration(a.KeepAlive.Value) != c.keepAlive {
				t.Errorf("keep-alive %+v, want %s", a.KeepAlive, c.keepAlive)
			}
		})
	}
}

// FuzzScriptWords: any script text splits without a panic, every word at a line of the
// script and a column from 1, and detection over it returns.
func FuzzScriptWords(f *testing.F) {
	for _, s := range []string{
		"#!/bin/bash\nset -e\nexec uvicorn app:app \\\n  --timeout-keep-alive 75\n",
		"#!/bin/sh\n# gunicorn\ncat <<-'EOF'\n\tgunicorn\n\tEOF\nexec \"$@\"\n",
		"#!/bin/sh\nif [ \"$1\" = web ]; then exec gunicorn a:b; else exec uvicorn a:b; fi\n",
		"<<", "\\", " #", "<<\"", "a <<- \n", "\xff\xfe #\n<<\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sc := &parsers.StartScript{File: "s.sh", Text: text}
		lines := int32(strings.Count(text, "\n") + 1)
		for _, w := range scriptWords(sc) {
			if w.pos.File != "s.sh" || w.pos.Line < 1 || w.pos.Line > lines || w.pos.Col < 1 {
				t.Fatalf("word %q at %+v", w.s, w.pos)
			}
		}
		Detect(&parsers.Container{Command: []string{"/s.sh"}, StartScript: sc})
	})
}
