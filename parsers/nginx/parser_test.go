package nginx

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

func lc(p parsers.Pos) string { return fmt.Sprintf("%d:%d-%d:%d", p.Line, p.Col, p.EndLine, p.EndCol) }

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	cfg, diags := ParseFile("t.conf", []byte(src))
	for _, d := range diags {
		t.Errorf("unexpected diag: %s", d)
	}
	checkBounds(t, "t.conf", []byte(src), cfg, diags)
	return cfg
}

func TestParsePositions(t *testing.T) {
	src := "# top\n" +
		"http {\n" +
		"  server { # main\n" +
		"    listen 80; # port\n" +
		"    server_name \"é.example\" 'b\\'c';\n" +
		"    location / {\n" +
		"      proxy_pass http://${up}x;\n" +
		"    }\n" +
		"  }\n" +
		"}\n"
	cfg := mustParse(t, src)
	http := cfg.Directives[0]
	srv := http.Block[0]
	listen, sn, loc := srv.Block[0], srv.Block[1], srv.Block[2]
	pp := loc.Block[0]
	for _, c := range []struct{ what, got, want string }{
		{"http", lc(http.Pos()), "2:1-10:2"},
		{"http name", lc(http.NamePos()), "2:1-2:5"},
		{"server", lc(srv.Pos()), "3:3-9:4"},
		{"listen", lc(listen.Pos()), "4:5-4:15"},
		{"listen arg", lc(listen.ArgPos(0)), "4:12-4:14"},
		{"server_name", lc(sn.Pos()), "5:5-5:36"},
		// columns count runes: é is two bytes, one column
		{"server_name arg0", lc(sn.ArgPos(0)), "5:17-5:28"},
		{"server_name arg1", lc(sn.ArgPos(1)), "5:29-5:35"},
		{"location", lc(loc.Pos()), "6:5-8:6"},
		{"proxy_pass arg", lc(pp.ArgPos(0)), "7:18-7:31"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.what, c.got, c.want)
		}
	}
	if got := sn.Args[0]; sn.Arg(0) != "é.example" || sn.RawArg(0) != `"é.example"` || !got.Quoted {
		t.Errorf("arg0 = %+v", got)
	}
	if sn.Arg(1) != "b'c" || sn.RawArg(1) != `'b\'c'` {
		t.Errorf("arg1 = %q (%s)", sn.Arg(1), sn.RawArg(1))
	}
	if pp.Arg(0) != "http://${up}x" {
		t.Errorf("${var} word = %q", pp.Arg(0))
	}
	if len(cfg.Comments) != 3 || cfg.Comments[0].Text != "top" || cfg.Comments[1].Text != "main" || cfg.Comments[2].Text != "port" || lc(cfg.Comments[2].Pos) != "4:16-4:22" {
		t.Errorf("comments = %+v", cfg.Comments)
	}
	// Byte offsets cut out the exact source.
	if got := src[listen.Pos().Offset:listen.Pos().EndOffset]; got != "listen 80;" {
		t.Errorf("listen range = %q", got)
	}
	if got := src[loc.Pos().Offset:loc.Pos().EndOffset]; !strings.HasPrefix(got, "location / {") || !strings.HasSuffix(got, "}") {
		t.Errorf("location range = %q", got)
	}
	if listen.File() != "t.conf" || listen.Pos().File != "t.conf" {
		t.Errorf("file not set")
	}
	if listen.Block != nil || listen.HasBlock || !loc.HasBlock {
		t.Errorf("block flags wrong")
	}
}

func TestParseLexing(t *testing.T) {
	cfg := mustParse(t, "a b#c \"x\\\"y\" \\;z;\n"+
		"if ($a = \"x\") { return 403; }\n"+
		"e {}\n"+
		"f\tg\r\nh;\n"+
		"rewrite ^/a\\.b$ /c\\\\d;\n")
	a := cfg.Directives[0]
	var vals []string
	for i := range a.Args {
		vals = append(vals, a.Arg(i))
	}
	// '#' inside a word is literal; a backslash protects ';'.
	if got := strings.Join(vals, "|"); got != `b#c|x"y|\;z` {
		t.Errorf("args = %q", got)
	}
	ifd := cfg.Directives[1]
	if len(ifd.Args) != 4 || ifd.RawArg(3) != ")" || ifd.Arg(2) != "x" {
		t.Errorf("if args = %+v", ifd.Args)
	}
	if e := cfg.Directives[2]; !e.HasBlock || e.Block == nil || len(e.Block) != 0 {
		t.Errorf("empty block = %+v", e)
	}
	if f := cfg.Directives[3]; f.Name != "f" || len(f.Args) != 2 || f.ArgPos(1).Line != 5 {
		t.Errorf("f = %+v", f)
	}
	if r := cfg.Directives[4]; r.Arg(0) != `^/a\.b$` || r.Arg(1) != `/c\d` {
		t.Errorf("rewrite = %+v", r.Args)
	}
}

func TestParseLua(t *testing.T) {
	src := "content_by_lua_block {\n" +
		"  ngx.say(\"}\") -- a } brace\n" +
		"  local t = { a = '{' }\n" +
		"  --[[ } ]] local s = [==[ } ]==]\n" +
		"}\n" +
		"set_by_lua_block $x { return 1 }\n" +
		"next 1;\n"
	cfg := mustParse(t, src)
	if len(cfg.Directives) != 3 {
		t.Fatalf("got %d directives", len(cfg.Directives))
	}
	l := cfg.Directives[0]
	// The Lua body is skipped whole: the directive ends at its own '}'.
	if !l.HasBlock || l.Block != nil || !strings.Contains(src[l.Pos().Offset:l.Pos().EndOffset], "local s") || !strings.HasSuffix(lc(l.Pos()), "-5:2") {
		t.Errorf("lua = %+v", l)
	}
	if s := cfg.Directives[1]; s.Arg(0) != "$x" || !strings.HasSuffix(src[s.Pos().Offset:s.Pos().EndOffset], "{ return 1 }") {
		t.Errorf("set_by_lua_block = %+v", s)
	}
	if n := cfg.Directives[2]; n.Name != "next" || n.Pos().Line != 7 {
		t.Errorf("after lua = %+v", n)
	}
}

func diagStrings(ds []parsers.Diag) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d:%d %s %s", d.Pos.Line, d.Pos.Col, d.Severity, d.Message))
	}
	return strings.Join(out, "\n")
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"stray close", "a 1;\n}\nb 2;\n", `2:1 error unexpected "}": no block is open here`},
		{"unclosed block", "http {\n  server {\n  }\n", `1:1 error unexpected end of file: block "http" is not closed (missing "}")`},
		{"missing semi before close", "server {\n  listen 80\n}\n", `3:1 error unexpected "}": directive "listen" is missing its terminating ";"`},
		{"missing semi at eof", "a 1;\nworker_processes 4", `2:1 error unexpected end of file: directive "worker_processes" is missing its terminating ";"`},
		{"unterminated quote", "a 1;\nb \"xy;\n", `2:3 error unterminated quoted string (missing closing ")`},
		{"unterminated single quote", "b 'x", `1:3 error unterminated quoted string (missing closing ')`},
		{"nameless block", "{ listen 80; }\nb 1;\n", `1:1 error unexpected "{": a block needs a name (e.g. "server {")`},
		{"empty statement", "a 1;;\n", `1:5 error unexpected ";"`},
		{"text after quote", "a \"x\"y;\n", `1:6 error unexpected "y" after quoted string (nginx needs a space, ";" or "{" there)`},
		{"unclosed lua", "content_by_lua_block {\n  x = '}'\n", `1:22 error unexpected end of file: Lua block opened here is not closed`},
		{"binary", "user x;\n\x00\x01\x02", `2:1 error binary file (a NUL byte)`},
		// nginx ends the word at '{': the regex must be quoted. The block then never closes.
		{"regex brace", "location ~ ^/a{2} { }\n", `1:1 error unexpected end of file: block "location" is not closed (missing "}")`},
		// nginx -t 1.22.1: directive "server_name" is not terminated by ";" (a public
		// conf.d file, search id 7203069840, reads `server_name api.local` then
		// `location / {`).
		{"simple directive with block", "server {\n    server_name api.local\n\n    location / { return 200; }\n}\n", `2:5 error directive "server_name" is not terminated by ";": it takes no block, so nginx -t rejects the "{" at 4:16 that follows its arguments`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, diags := ParseFile("t.conf", []byte(c.src))
			checkBounds(t, c.name, []byte(c.src), cfg, diags)
			if got := diagStrings(diags); !strings.HasPrefix(got, c.want) {
				t.Errorf("diags:\n%s\nwant first:\n%s", got, c.want)
			}
		})
	}
	// Parsing goes on after a stray '}': the directive after it is kept.
	cfg, _ := ParseFile("t.conf", []byte("a 1;\n}\nb 2;\n"))
	if len(cfg.Directives) != 2 || cfg.Directives[1].Name != "b" {
		t.Errorf("recovery after stray }: %d directives", len(cfg.Directives))
	}
	// A nameless block is dropped but what follows is read.
	cfg, _ = ParseFile("t.conf", []byte("{ listen 80; }\nb 1;\n"))
	if len(cfg.Directives) != 1 || cfg.Directives[0].Name != "b" {
		t.Errorf("recovery after nameless block: %+v", cfg.Directives)
	}
	// A block directive, and server in http, keep their blocks without a word.
	if _, diags := ParseFile("t.conf", []byte("http { server { location / { if ($x) { return 200; } } } upstream u { server a:1; keepalive 2; } }\n")); len(diags) != 0 {
		t.Errorf("blocks: %v", diags)
	}
	// Only one error for binary input, and no directives.
	cfg, diags := ParseFile("t.bin", []byte("\x7fELF\x02\x01\x01\x00\x00garbage{{{"))
	if len(diags) != 1 || len(cfg.Directives) != 0 {
		t.Errorf("binary: %v, %d directives", diags, len(cfg.Directives))
	}
}

// TestBOM: the parser reads on past a byte order mark (positions as an editor shows
// them), and reports it: nginx 1.22.1 fails nginx -t on such a file ("unknown directive"),
// checked against the real nginx when it is installed.
func TestBOM(t *testing.T) {
	src := "\xef\xbb\xbfuser x;\n"
	cfg, diags := ParseFile("t.conf", []byte(src))
	checkBounds(t, "t.conf", []byte(src), cfg, diags)
	if cfg.Directives[0].Name != "user" || lc(cfg.Directives[0].NamePos()) != "1:1-1:5" {
		t.Errorf("BOM: %+v", cfg.Directives[0])
	}
	if len(diags) != 1 || diags[0].Severity != parsers.Error || !strings.Contains(diags[0].Message, "byte order mark") || diags[0].Pos.Line != 1 || diags[0].Pos.Col != 1 {
		t.Fatalf("diags: %v", diags)
	}
	if _, diags := ParseFile("t.conf", []byte("user x;\n")); len(diags) != 0 {
		t.Errorf("no BOM: %v", diags)
	}
	nginxBin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/nginx"); err2 != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("nginx is not installed (CI=true)")
			}
			t.Skip("nginx is not installed: the real nginx -t check is skipped")
		}
		nginxBin = "/usr/sbin/nginx"
	}
	dir := t.TempDir()
	for name, text := range map[string]string{
		"bom.conf":   "\xef\xbb\xbfevents {}\nhttp {}\n",
		"plain.conf": "events {}\nhttp {}\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(nginxBin, "-t", "-q", "-p", dir, "-c", path, "-e", "stderr", "-g", "pid "+filepath.Join(dir, "nginx.pid")+";").CombinedOutput()
		if bad := name == "bom.conf"; (err != nil) != bad || bad && !strings.Contains(string(out), "unknown directive") {
			t.Errorf("nginx -t %s: %v\n%s", name, err, out)
		}
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]string{
		"90": "1m30s", "90s": "1m30s", "1m30s": "1m30s", "2h": "2h0m0s", "500ms": "500ms",
		"1d": "24h0m0s", "1w": "168h0m0s", "1h 30m": "1h30m0s", "1h  30m": "1h30m0s",
		"0": "0s", "1s500ms": "1.5s", "1m30": "1m30s", "1h30": "1h0m30s",
		// nginx -t 1.22.1 takes these as ngx_parse_time reads them: a bare number then a
		// space is seconds and another bare number is added ("10 20", 30s), a unit
		// without a number adds nothing ("1h m"), a space may end the value.
		"10 20": "30s", "1h m": "1h0m0s", "1s ": "1s", "365d": "8760h0m0s",
	} {
		got, err := ParseDuration(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	// Longer than a time.Duration holds, but accepted by nginx -t (nginx 1.22.1, as
	// keepalive_timeout and grpc_read_timeout; samuelhbne/server-xray writes the first):
	// kept as the longest Duration, not reported as a config error. The largest of each
	// unit nginx takes (its 64-bit count of milliseconds) too.
	for _, in := range []string{"1071906480m", "100000000d", "9223372036854775807ms", "9223372036854775s",
		"153722867280912m", "2562047788015h", "106751991167d", "15250284452w"} {
		if got, err := ParseDuration(in); err != nil || got != math.MaxInt64 {
			t.Errorf("ParseDuration(%q) = %v, %v; want the longest Duration", in, got, err)
		}
	}
	// Refused by nginx -t 1.22.1 in keepalive_timeout and proxy_read_timeout: y and M
	// (nginx starts a value it counts in milliseconds past them), units out of order or
	// twice, a fraction, a sign, a bare number before a unit, a leading space, and one
	// more than the largest of each unit.
	for _, in := range []string{"", "s", "m", "abc", "10x", "30s1m", "1m1m", "1s1s", "1ms1s", "$t", "-1", "-1s", "1.5s",
		"1S", "1D", "1sec", "1 s", " 1s", "10 1s", "1y", "2y", "25y", "1M", "12M", "1y1s", "1d1y",
		"99999999999999999999", "9999999999999y", "9223372036854776s", "9223372036854775808ms",
		"153722867280913m", "2562047788016h", "106751991168d", "15250284453w", "1d 9223372036854775807ms"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want error", in, got)
		}
	}
	// A server's fail_timeout is counted in seconds (ngx_parse_time with is_sec 1): y and
	// M are taken, ms is not (nginx 1.22.1: fail_timeout=1y and 2y3M pass nginx -t,
	// 500ms and 1s500ms do not, 292471208677y does and 292471208678y does not).
	for in, want := range map[string]time.Duration{"10": 10 * time.Second, "1y": 365 * 24 * time.Hour, "2y3M": (2*365 + 90) * 24 * time.Hour, "0": 0, "292471208677y": math.MaxInt64} {
		if got, err := ParseSeconds(in); err != nil || got != want {
			t.Errorf("ParseSeconds(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"500ms", "1s500ms", "292471208678y", "1M1y", ""} {
		if got, err := ParseSeconds(in); err == nil {
			t.Errorf("ParseSeconds(%q) = %v, want error", in, got)
		}
	}
}

// TestDurationErrorPositioned: a time value nginx refuses is a config error at the
// value, naming the directive; keepalive_timeout 2y says why (y is only for values
// counted in seconds) and what to write instead.
func TestDurationErrorPositioned(t *testing.T) {
	src := "events {}\nhttp {\n    keepalive_timeout 2y;\n    upstream u {\n        server 10.0.0.1:80 fail_timeout=500ms;\n        server 10.0.0.2:80 fail_timeout=1y;\n    }\n    server { listen 80; location / { proxy_pass http://u; } }\n}\n"
	m := Parse([]parsers.Input{{Path: "nginx.conf", Src: []byte(src)}}, parsers.Options{})
	var got []string
	for _, d := range m.Diags {
		got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Col, d.Message))
	}
	want := []string{
		`3:23 keepalive_timeout: invalid time value "2y": nginx takes y (years) and M (months) only in the values it counts in seconds, not in this one; write days (365d, 30d)`,
		`5:28 server 10.0.0.1:80: fail_timeout: invalid time value "500ms": nginx counts this value in seconds and takes no ms`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		v, min string
		want   bool
	}{
		{"1.29.7", "1.29.7", true}, {"1.30.0", "1.29.7", true}, {"1.28.0", "1.29.7", false},
		{"1.29.10", "1.29.7", true}, {"1.29", "1.29.7", false}, {"2", "1.29.7", true},
		{"1.29.7-dev", "1.29.7", true}, {"", "1.0", false}, {"nginx/1.31.1", "1.29.7", true}, {"x", "1", false},
	} {
		if got := VersionAtLeast(c.v, c.min); got != c.want {
			t.Errorf("VersionAtLeast(%q, %q) = %v", c.v, c.min, got)
		}
	}
}

// TestLatin1 parses a config that is not UTF-8 as nginx does, byte by byte (nginx 1.22.1:
// nginx -t passes a file with a Latin-1 comment and header value), with columns counted
// as utf8.RuneCount counts them: one per Latin-1 byte, as an editor showing the file as
// Latin-1 does, and as the positions computed from offsets elsewhere do.
func TestLatin1(t *testing.T) {
	src := "# caf\xe9\nhttp {\n  add_header X-Name \"caf\xe9 \xa9\xb0\"; proxy_read_timeout 1s;\n}\n"
	cfg, diags := ParseFile("nginx.conf", []byte(src))
	if len(diags) != 0 {
		t.Fatalf("diags: %v", diags)
	}
	http := cfg.Directives[0]
	hdr, rt := http.Block[0], http.Block[1]
	if got := hdr.Arg(1); got != "caf\xe9 \xa9\xb0" {
		t.Errorf("header value %q", got)
	}
	line := "  add_header X-Name \"caf\xe9 \xa9\xb0\"; "
	if p := rt.NamePos(); p.Line != 3 || int(p.Col) != 1+len(line) {
		t.Errorf("proxy_read_timeout at %d:%d, want 3:%d", p.Line, p.Col, 1+len(line))
	}
	if p := rt.Pos(); int(p.Col) != 1+len(line) || int(p.EndCol) != 1+len(line)+len("proxy_read_timeout 1s;") {
		t.Errorf("proxy_read_timeout span %d-%d", p.Col, p.EndCol)
	}
	if l, c := parsers.LineCol([]byte(src), int(rt.NamePos().Offset)); l != 3 || c != 1+len(line) {
		t.Errorf("parsers.LineCol says %d:%d", l, c)
	}
}

// FuzzParseTime: ngx_parse_time's port never panics, never gives a negative value, and a
// value taken in milliseconds without ms is taken in seconds too, as nginx's own code
// does (is_sec only adds y and M and drops ms).
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"90", "1m30s", "1h 30m", "500ms", "2y", "1M", "10 20", "1h m", "9223372036854775807ms", "106751991168d", " 1s", "1s "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := parseTime(s, false)
		if err == nil && ms < 0 {
			t.Errorf("parseTime(%q, ms) = %d", s, ms)
		}
		sec, serr := parseTime(s, true)
		if serr == nil && sec < 0 {
			t.Errorf("parseTime(%q, s) = %d", s, sec)
		}
		if err == nil && !strings.Contains(s, "ms") && serr != nil {
			t.Errorf("parseTime(%q): taken in milliseconds (%d), refused in seconds: %v", s, ms, serr)
		}
	})
}
