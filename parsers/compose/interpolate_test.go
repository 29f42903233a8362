package compose

import (
	"strings"
	"testing"
	"time"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"SET": "v", "EMPTY": "", "PORT": "8000"}
	for _, tc := range []struct {
		in, want string
		unknown  bool
	}{
		{"plain", "plain", false},
		{"$SET", "v", false},
		{"${SET}", "v", false},
		{"a${SET}b$SET.c", "avbv.c", false},
		{"$UNSET", "", true},
		{"${UNSET}", "", true},
		{"${UNSET:-d}", "d", false},
		{"${UNSET-d}", "d", false},
		{"${EMPTY:-d}", "d", false},
		{"${EMPTY-d}", "", false},
		{"${SET:-d}", "v", false},
		{"${UNSET:-${PORT}}", "8000", false},
		{"${UNSET:-${ALSO_UNSET}}", "", true},
		{"${UNSET:-${ALSO_UNSET:-x}y}", "xy", false},
		{"${UNSET:?must be set}", "", true},
		{"${UNSET?must be set}", "", true},
		{"${EMPTY:?must be set}", "", true},
		{"${EMPTY?must be set}", "", false},
		{"${SET:?err}", "v", false},
		{"${SET:+alt}", "alt", false},
		{"${EMPTY:+alt}", "", false},
		{"${EMPTY+alt}", "alt", false},
		{"${UNSET:+alt}", "", false},
		{"${UNSET+alt}", "", false},
		{"$$", "$", false},
		{"$${SET}", "${SET}", false},
		{"$$SET $SET", "$SET v", false},
		{"cost: 5$", "cost: 5$", false},
		{"a $ b", "a $ b", false},
		{"${unterminated", "", true},
		{"${}", "", true},
		{"${SET:}", "", true},
		{"--bind 0.0.0.0:${PORT:-80}", "--bind 0.0.0.0:8000", false},
	} {
		got, unknown := Expand(tc.in, vars)
		if unknown != tc.unknown || !unknown && got != tc.want {
			t.Errorf("Expand(%q) = %q, unknown %v; want %q, unknown %v", tc.in, got, unknown, tc.want, tc.unknown)
		}
	}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"gunicorn app:app -w 4", []string{"gunicorn", "app:app", "-w", "4"}, true},
		{`sh -c 'echo "$$HOME" && sleep 1'`, []string{"sh", "-c", `echo "$$HOME" && sleep 1`}, true},
		{`echo "a b" c\ d`, []string{"echo", "a b", "c d"}, true},
		{`echo "esc \" \$x \n"`, []string{"echo", `esc " $x \n`}, true},
		{"  spaced\tout  ", []string{"spaced", "out"}, true},
		{`''`, []string{""}, true},
		{`echo 'open`, []string{"echo"}, false},
		{"", nil, true},
	} {
		got, ok := SplitWords(tc.in)
		if ok != tc.ok || len(got) != len(tc.want) {
			t.Errorf("SplitWords(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("SplitWords(%q) = %q; want %q", tc.in, got, tc.want)
			}
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"10s": "10s", "1m30s": "1m30s", "250ms": "250ms", "1.5s": "1.5s", "2h": "2h0m0s", "1d": "24h0m0s", "1w2d3h": "219h0m0s", "0": "0s"} {
		d, ok := ParseDuration(in)
		if !ok || d.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, d, ok, want)
		}
	}
	for _, in := range []string{"", "30", "abc", "-1s", "1x"} {
		if d, ok := ParseDuration(in); ok {
			t.Errorf("ParseDuration(%q) = %v; want an error", in, d)
		}
	}
}

func TestExpandHostileNesting(t *testing.T) {
	s := strings.Repeat("${A:-", 20000) + "x" + strings.Repeat("}", 20000)
	start := time.Now()
	if _, unknown := Expand(s, nil); !unknown {
		t.Error("nesting beyond the limit should be unknown")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if got, unknown := Expand(strings.Repeat("${A:-", 10)+"x"+strings.Repeat("}", 10), nil); unknown || got != "x" {
		t.Errorf("10 levels: %q %v", got, unknown)
	}
}
