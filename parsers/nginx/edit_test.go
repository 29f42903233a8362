package nginx

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// LineChange is what the block tests ask for: At the directive to replace (or none: an
// insertion) and Line its new text.
type LineChange struct {
	At   parsers.Pos
	Line string
}

// blockEdit applies changes to the block [start, end) of src.
func blockEdit(src string, start, end int, changes ...LineChange) *BlockEdit {
	e := EditBlock([]byte(src), parsers.ByteRange("n.conf", start, end))
	for _, c := range changes {
		e.Set(c.At, c.Line)
	}
	return e
}

func TestLineComment(t *testing.T) {
	for in, want := range map[string]string{
		"    proxy_read_timeout 30s;  # legacy\n":  "# legacy",
		"    add_header X-A \"a # b\";\n":          "",
		"    return 200 'x # y';  # answer\n":      "# answer",
		"  idle_timeout = 60 // seconds\n":         "// seconds",
		"    proxy_pass http://app#frag;\n":        "",
		"\treverse_proxy app:8080 # the app\r\n":   "# the app",
		"    set $a \"\\\"q\\\" # not\";  # yes\n": "# yes",
	} {
		if got := lineComment(in); got != want {
			t.Errorf("lineComment(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBlockFixKeepsComment: replacing a line keeps the user's comment on it.
func TestBlockFixKeepsComment(t *testing.T) {
	src := "location /x/ {\n    proxy_pass http://app;\n    proxy_read_timeout 30s;  # legacy\n}\n"
	at := parsers.Pos{File: "n.conf", Line: 3, Col: 5, Offset: int32(strings.Index(src, "proxy_read"))}
	edits, _, _ := blockEdit(src, 0, len(src), LineChange{At: at, Line: "proxy_read_timeout 100s;  # above the budget"}).Result()
	want := "location /x/ {\n    proxy_pass http://app;\n    proxy_read_timeout 100s;  # above the budget  # legacy\n}\n"
	if got := string(parsers.ApplyEdits([]byte(src), edits)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// blockFixOn runs a block edit on the block starting at blockStart (a substring of src) and
// ending at its matching closing brace (braces inside quotes do not count), and returns
// the edited source. A change's At is given the offsets of the directive its Line names.
func blockFixOn(t *testing.T, src, blockStart string, changes ...LineChange) string {
	t.Helper()
	s := strings.Index(src, blockStart)
	e, depth, quote := -1, 0, byte(0)
	for i := s; i < len(src) && e < 0; i++ {
		switch c := src[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			if depth--; depth == 0 {
				e = i + 1
			}
		}
	}
	for i := range changes {
		if changes[i].At.File == "n.conf" {
			name := changes[i].Line[:strings.IndexByte(changes[i].Line, ' ')]
			off := strings.Index(src, name+" ")
			changes[i].At.Offset = int32(off)
			changes[i].At.EndOffset = int32(off + strings.IndexByte(src[off:], ';') + 1)
		}
	}
	edits, _, _ := blockEdit(src, s, e, changes...).Result()
	return string(parsers.ApplyEdits([]byte(src), edits))
}

// Regression: the first '{' of the block's range is taken for its opening brace, but a quoted
// regex of a location ("^/a{2}/") holds one: the new line goes inside the regex.
func TestBlockFixBraceInQuotedRegex(t *testing.T) {
	src := "server {\n    location ~ \"^/img/[a-z]{2}/\" {\n        proxy_pass http://app;\n    }\n}\n"
	got := blockFixOn(t, src, "location", LineChange{Line: "proxy_http_version 1.1;"})
	want := "server {\n    location ~ \"^/img/[a-z]{2}/\" {\n        proxy_http_version 1.1;\n        proxy_pass http://app;\n    }\n}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// Regression: a LineChange replaces the whole line holding the directive, so other directives
// on that line are deleted with it: here proxy_pass, and the location stops proxying.
func TestBlockFixSharedLine(t *testing.T) {
	src := "location /export/ {\n    proxy_pass http://app; proxy_read_timeout 30s;\n}\n"
	got := blockFixOn(t, src, "location", LineChange{At: parsers.Pos{File: "n.conf", Line: 2, Col: 28}, Line: "proxy_read_timeout 100s;"})
	if !strings.Contains(got, "proxy_pass http://app;") || !strings.Contains(got, "proxy_read_timeout 100s;") {
		t.Errorf("proxy_pass lost or timeout not set:\n%s", got)
	}
}

// Regression: same, for a block written on one line: the location header and its closing brace
// are replaced, the directive lands in the enclosing server block and the location is gone.
func TestBlockFixOneLineBlock(t *testing.T) {
	src := "server {\n    location /b/ { proxy_read_timeout 30s; proxy_pass http://app; }\n}\n"
	got := blockFixOn(t, src, "location", LineChange{At: parsers.Pos{File: "n.conf", Line: 2, Col: 20}, Line: "proxy_read_timeout 100s;"})
	if !strings.Contains(got, "location /b/ {") || !strings.Contains(got, "proxy_pass http://app;") {
		t.Errorf("location block destroyed:\n%s", got)
	}
}

// Regression: a line replaced at the block's first body line and a line inserted (at the same
// offset, the start of that line): ApplyEdits sorts the replacement first and then drops the
// insertion as "overlapping". BlockFix's snippet loses it the same way.
func TestBlockFixFirstLineReplacedAndInsert(t *testing.T) {
	src := "location /x/ {\n    proxy_http_version 1.0;\n    proxy_pass http://app;\n}\n"
	got := blockFixOn(t, src, "location",
		LineChange{At: parsers.Pos{File: "n.conf", Line: 2, Col: 5}, Line: "proxy_http_version 1.1;"},
		LineChange{Line: `proxy_set_header Connection "";`})
	if !strings.Contains(got, "proxy_http_version 1.1;") || !strings.Contains(got, `proxy_set_header Connection "";`) {
		t.Errorf("one of the two changes was dropped:\n%s", got)
	}
}

// A directive sharing its line, whose extent is unknown: replacing the whole line would
// delete its neighbours, so the fix is a snippet only.
func TestBlockFixSharedLineUnknownExtent(t *testing.T) {
	src := "location /export/ {\n    proxy_pass http://app; proxy_read_timeout 30s;\n}\n"
	at := parsers.Pos{File: "n.conf", Line: 2, Col: 28, Offset: int32(strings.Index(src, "proxy_read"))}
	edits, _, writable := blockEdit(src, 0, len(src), LineChange{At: at, Line: "proxy_read_timeout 100s;"}).Result()
	if len(edits) != 0 || writable {
		t.Errorf("want a snippet-only fix, got edits %+v", edits)
	}
}

// A line inserted into a block whose '{' shares its line with a directive goes between
// the brace and that directive, which moves to a line of its own: the new line's comment
// must not comment it out.
func TestBlockEditInsertAfterSharedBrace(t *testing.T) {
	src := "server {\n    location /webhooks/ {proxy_pass http://app;\n    }\n}\n"
	got := blockFixOn(t, src, "location", LineChange{Line: "proxy_read_timeout 100s;  # above the budget"})
	want := "server {\n    location /webhooks/ {\n        proxy_read_timeout 100s;  # above the budget\n        proxy_pass http://app;\n    }\n}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// The same in a one-line block: the closing brace stays, and two inserted lines keep
// their order.
func TestBlockEditInsertIntoOneLineBlock(t *testing.T) {
	src := "server {\n    location / { proxy_pass http://app; }\n}\n"
	got := blockFixOn(t, src, "location", LineChange{Line: "proxy_next_upstream error timeout;  # retry"}, LineChange{Line: "proxy_next_upstream_tries 2;"})
	want := "server {\n    location / {\n        proxy_next_upstream error timeout;  # retry\n        proxy_next_upstream_tries 2;\n        proxy_pass http://app; }\n}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	src = "upstream app { }\n"
	got = blockFixOn(t, src, "upstream", LineChange{Line: "server b:80;"})
	if want := "upstream app {\n    server b:80;\n}\n"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// A directive written over several lines is replaced whole, not only its first line
// (which left "30s;" behind: unknown directive).
func TestBlockEditSetMultiLineDirective(t *testing.T) {
	src := "location /x/ {\n    proxy_pass http://app;\n    proxy_read_timeout\n        30s;  # legacy\n}\n"
	s := strings.Index(src, "proxy_read_timeout")
	at := parsers.Pos{File: "n.conf", Line: 3, Col: 5, Offset: int32(s), EndOffset: int32(strings.Index(src, "30s;") + 4)}
	edits, _, writable := blockEdit(src, 0, len(src), LineChange{At: at, Line: "proxy_read_timeout 100s;"}).Result()
	want := "location /x/ {\n    proxy_pass http://app;\n    proxy_read_timeout 100s;  # legacy\n}\n"
	if got := string(parsers.ApplyEdits([]byte(src), edits)); !writable || got != want {
		t.Errorf("got (writable %v):\n%s\nwant:\n%s", writable, got, want)
	}
}

// The block edit reads braces and comments as the lexer does: a '#' or a '{' in a quoted
// argument is text, a comment right after ';' is a comment.
func TestBlockFixReadsTokens(t *testing.T) {
	src := "location ~ \"^/a#{b}\" { # the brace comment\n    proxy_read_timeout 30s;# legacy\n    return 200 \"x # y\";\n}\n"
	got := blockFixOn(t, src, "location", LineChange{At: parsers.Pos{File: "n.conf", Line: 2}, Line: "proxy_read_timeout 90s;"})
	want := "location ~ \"^/a#{b}\" { # the brace comment\n    proxy_read_timeout 90s;  # legacy\n    return 200 \"x # y\";\n}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	got = blockFixOn(t, src, "location", LineChange{Line: "proxy_http_version 1.1;"})
	want = "location ~ \"^/a#{b}\" { # the brace comment\n    proxy_http_version 1.1;\n    proxy_read_timeout 30s;# legacy\n    return 200 \"x # y\";\n}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// A directive replaced a second time in one --fix run (the ALB's idle timeout raised by
// another fix): the note the first round wrote, now stale, is replaced, not kept beside
// the new one; the user's own comment stays.
func TestBlockEditReplacesStaleNote(t *testing.T) {
	for _, c := range []struct{ old, want string }{
		{"  # above the ALB's idle timeout 120s", "    keepalive_timeout 155s;  # above the ALB's idle timeout 150s\n"},
		{"  # tuned for the ALB", "    keepalive_timeout 155s;  # above the ALB's idle timeout 150s  # tuned for the ALB\n"},
	} {
		src := "server {\n    keepalive_timeout 125s;" + c.old + "\n    listen 80;\n}\n"
		s := strings.Index(src, "keepalive_timeout")
		at := parsers.Pos{File: "n.conf", Line: 2, Col: 5, Offset: int32(s), EndOffset: int32(strings.Index(src, "125s;") + 5)}
		edits, _, _ := blockEdit(src, 0, len(src), LineChange{At: at, Line: "keepalive_timeout 155s;  # above the ALB's idle timeout 150s"}).Result()
		want := "server {\n" + c.want + "    listen 80;\n}\n"
		if got := string(parsers.ApplyEdits([]byte(src), edits)); got != want {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	}
}

// A blank line after the brace says nothing of the body's indentation: the new line takes
// the first non-blank body line's (mastodon's dist/nginx.conf indents by 2; the default
// put the new line 4 past the location, 6 spaces among lines of 4).
func TestBlockFixBlankLineAfterBrace(t *testing.T) {
	src := "server {\n  location / {\n\n    # static files first\n    location = /sw.js {\n      try_files $uri =404;\n    }\n    proxy_pass http://backend;\n  }\n}\n"
	got := blockFixOn(t, src, "location /", LineChange{Line: "proxy_read_timeout 440s;"})
	want := "server {\n  location / {\n    proxy_read_timeout 440s;\n\n    # static files first\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("got:\n%s\nwant a prefix:\n%s", got, want)
	}
}

// A one-line block's new lines follow the file's indentation: a tab deeper in a
// tab-indented file (session 17 left tab plus four spaces), two spaces deeper in a
// 2-space file, four when the file shows no step (session 18).
func TestBlockFixOneLineFollowsFileIndent(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"tabs", "http {\n\tserver {\n\t\tlocation /api/ { proxy_pass http://app; }\n\t}\n}\n",
			"\t\tlocation /api/ {\n\t\t\tproxy_read_timeout 100s;\n\t\t\tproxy_pass http://app; }\n"},
		{"two spaces", "http {\n  server {\n    listen 80;\n    location /api/ { proxy_pass http://app; }\n  }\n}\n",
			"    location /api/ {\n      proxy_read_timeout 100s;\n      proxy_pass http://app; }\n"},
		{"top level, tab-indented file", "location /api/ { proxy_pass http://app; }\nlocation /b/ {\n\treturn 204;\n}\n",
			"location /api/ {\n\tproxy_read_timeout 100s;\n\tproxy_pass http://app; }\n"},
		{"no step shown", "location /api/ { proxy_pass http://app; }\n",
			"location /api/ {\n    proxy_read_timeout 100s;\n    proxy_pass http://app; }\n"},
	} {
		got := blockFixOn(t, c.src, "location /api/", LineChange{Line: "proxy_read_timeout 100s;"})
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got:\n%s\nwant it to hold:\n%s", c.name, got, c.want)
		}
	}
}
