package nginx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The steps of ngx_parse_time: a time value lists its parts from the largest unit down,
// each unit at most once; stLast is a bare number followed by a space.
const (
	stStart = iota
	stYear
	stMonth
	stWeek
	stDay
	stHour
	stMin
	stSec
	stMsec
	stLast
)

// ParseDuration parses the time value of a directive nginx counts in milliseconds
// (proxy_read_timeout, keepalive_timeout, worker_shutdown_timeout...): "90" (a bare
// number is seconds), "90s", "1m30s", "1h 30m", "500ms", "2d", "1w". It accepts and
// refuses what nginx does (ngx_parse_time with is_sec 0): y and M are refused there, as
// are units out of order, twice, or over nginx's 64-bit count of milliseconds.
func ParseDuration(s string) (time.Duration, error) {
	ms, err := parseTime(s, false)
	if err != nil {
		return 0, err
	}
	return saturate(ms, time.Millisecond), nil
}

// ParseSeconds parses the time value of a parameter nginx counts in seconds (an upstream
// server's fail_timeout): the units of ParseDuration and y (365 days) and M (30 days),
// but no ms (ngx_parse_time with is_sec 1).
func ParseSeconds(s string) (time.Duration, error) {
	sec, err := parseTime(s, true)
	if err != nil {
		return 0, err
	}
	return saturate(sec, time.Second), nil
}

// saturate is n units as a Duration, or the longest Duration when it holds no more: a
// Go Duration holds 292 years, nginx's count far more (1071906480m passes nginx -t), and
// no timeout a rule compares with comes near it.
func saturate(n int64, unit time.Duration) time.Duration {
	if n > int64(math.MaxInt64/unit) {
		return math.MaxInt64
	}
	return time.Duration(n) * unit
}

// parseTime is nginx's ngx_parse_time (src/core/ngx_parse.c, nginx 1.22): the value in
// seconds (isSec) or milliseconds, or why nginx refuses it. Checked against nginx -t
// 1.22.1: keepalive_timeout refuses 1y, 2y, 1M, 1ms1s, 1s1s, 1.5s, 10 1s and
// 106751991168d, and takes 100000000d, 1h30, "10 20" (30s), "1h m" and "1s "; fail_timeout
// takes 1y, 2y3M and 292471208677y, and refuses 500ms and 292471208678y.
func parseTime(s string, isSec bool) (int64, error) {
	const maxValue = math.MaxInt64
	in := s
	if s == "" {
		return 0, fmt.Errorf("empty time value")
	}
	invalid := func() (int64, error) { return 0, fmt.Errorf("invalid time value %q", in) }
	tooLarge := func() (int64, error) {
		return 0, fmt.Errorf("time value %q is too large: nginx counts it in a 64-bit integer of %s", in, map[bool]string{true: "seconds", false: "milliseconds"}[isSec])
	}
	step := stMonth // y and M are refused in milliseconds
	if isSec {
		step = stStart
	}
	var value, total int64
	valid := false
	for p := 0; p < len(s); {
		c := s[p]
		if c >= '0' && c <= '9' {
			if value > (maxValue-int64(c-'0'))/10 {
				return tooLarge()
			}
			value = value*10 + int64(c-'0')
			valid = true
			p++
			continue
		}
		p++
		var max, scale int64
		switch c {
		case 'y', 'M':
			if !isSec {
				return 0, fmt.Errorf("invalid time value %q: nginx takes y (years) and M (months) only in the values it counts in seconds, not in this one; write days (365d, 30d)", in)
			}
			if c == 'y' {
				if step > stStart {
					return invalid()
				}
				step, scale = stYear, 60*60*24*365
			} else {
				if step >= stMonth {
					return invalid()
				}
				step, scale = stMonth, 60*60*24*30
			}
		case 'w':
			if step >= stWeek {
				return invalid()
			}
			step, scale = stWeek, 60*60*24*7
		case 'd':
			if step >= stDay {
				return invalid()
			}
			step, scale = stDay, 60*60*24
		case 'h':
			if step >= stHour {
				return invalid()
			}
			step, scale = stHour, 60*60
		case 'm':
			if p < len(s) && s[p] == 's' {
				if isSec {
					return 0, fmt.Errorf("invalid time value %q: nginx counts this value in seconds and takes no ms", in)
				}
				if step >= stMsec {
					return invalid()
				}
				p++
				step, scale = stMsec, 1
				break
			}
			if step >= stMin {
				return invalid()
			}
			step, scale = stMin, 60
		case 's':
			if step >= stSec {
				return invalid()
			}
			step, scale = stSec, 1
		case ' ':
			if step >= stSec {
				return invalid()
			}
			step, scale = stLast, 1
		default:
			return invalid()
		}
		max = maxValue / scale
		if step != stMsec && !isSec {
			scale *= 1000
			max /= 1000
		}
		if value > max {
			return tooLarge()
		}
		value *= scale
		if total > maxValue-value {
			return tooLarge()
		}
		total += value
		value = 0
		for p < len(s) && s[p] == ' ' {
			p++
		}
	}
	if !valid {
		return invalid()
	}
	if !isSec {
		if value > maxValue/1000 {
			return tooLarge()
		}
		value *= 1000
	}
	if total > maxValue-value {
		return tooLarge()
	}
	return total + value, nil
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
