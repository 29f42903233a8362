package nginx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// nginx time units, largest first; a value lists them in this order, each at most once
// ("1h30m", "1m30s", "500ms"). M is 30 days and y 365 days, as in nginx.
var timeUnits = []struct {
	name string
	d    time.Duration
}{
	{"y", 365 * 24 * time.Hour},
	{"M", 30 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
	{"ms", time.Millisecond},
}

// ParseDuration parses an nginx time value: "90" (a bare number is seconds), "90s",
// "1m30s", "2h", "500ms", "1d". Spaces between parts are allowed, as nginx allows them.
func ParseDuration(s string) (time.Duration, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty time value")
	}
	var total time.Duration
	var totalMs int64
	last := -1 // index in timeUnits of the previous part's unit
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("invalid time value %q", in)
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("time value %q is too large", in)
		}
		s = s[i:]
		unit, bare := -1, false
		switch {
		case s == "" || s[0] == ' ':
			unit, bare = 6, true // a bare number means seconds
		case strings.HasPrefix(s, "ms"):
			unit = 7
		default:
			for j, u := range timeUnits[:7] {
				if s[0] == u.name[0] {
					unit = j
					break
				}
			}
		}
		if unit < 0 || unit <= last {
			return 0, fmt.Errorf("invalid time value %q", in)
		}
		if !bare {
			s = s[len(timeUnits[unit].name):]
		}
		s = strings.TrimLeft(s, " ")
		if bare && s != "" {
			return 0, fmt.Errorf("invalid time value %q: a number without a unit must come last", in)
		}
		last = unit
		// nginx adds the parts up in milliseconds in a 64-bit integer (ngx_parse_time)
		// and refuses a value only when that overflows: 1071906480m passes nginx -t
		// (nginx 1.22.1), though it is longer than a time.Duration holds (292 years).
		// Such a value is kept as the longest Duration: no timeout a rule compares with
		// comes near it.
		ms := int64(timeUnits[unit].d / time.Millisecond)
		if n > math.MaxInt64/ms || totalMs > math.MaxInt64-n*ms {
			return 0, fmt.Errorf("time value %q is too large", in)
		}
		totalMs += n * ms
		u := timeUnits[unit].d
		if n > int64(math.MaxInt64/u) || total > math.MaxInt64-time.Duration(n)*u {
			total = math.MaxInt64
			continue
		}
		total += time.Duration(n) * u
	}
	return total, nil
}

// VersionAtLeast reports whether version v ("1.28.0", "1.29.7-dev") is at least min.
// Parts compare numerically; an empty or unparsable v is not at least anything.
func VersionAtLeast(v, min string) bool {
	a, ok := versionParts(v)
	if !ok {
		return false
	}
	b, _ := versionParts(min)
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x > y
		}
	}
	return true
}

func versionParts(v string) ([]int, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	v = strings.TrimPrefix(v, "nginx/")
	if v == "" {
		return nil, false
	}
	var out []int
	for _, p := range strings.Split(v, ".") {
		i := 0
		for i < len(p) && p[i] >= '0' && p[i] <= '9' {
			i++
		}
		if i == 0 {
			break
		}
		n, err := strconv.Atoi(p[:i])
		if err != nil {
			return nil, false
		}
		out = append(out, n)
		if i < len(p) { // "7-dev": stop at the suffix
			break
		}
	}
	return out, len(out) > 0
}
