package compose

import (
	"path"
	"strconv"
	"strings"
)

// shortVolume is a parsed short volume: [SOURCE:]TARGET[:MODE].
type shortVolume struct {
	source, target, mode string
}

// parseShortVolume splits a short volume entry. A Windows drive letter (C:\x) is kept in
// the source.
func parseShortVolume(s string) shortVolume {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ':' {
			continue
		}
		// C:\ or C:/ at the start of a part is a drive, not a separator.
		if i-start == 1 && isLetter(s[start]) && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '/') {
			continue
		}
		parts = append(parts, s[start:i])
		start = i + 1
	}
	parts = append(parts, s[start:])
	switch len(parts) {
	case 1:
		return shortVolume{target: parts[0]}
	case 2:
		return shortVolume{source: parts[0], target: parts[1]}
	}
	return shortVolume{source: parts[0], target: parts[1], mode: strings.Join(parts[2:], ":")}
}

// cleanTarget cleans a path in the container of the short syntax (docker compose drops
// a trailing slash there, and keeps the long syntax's target as written).
func cleanTarget(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") {
		return p
	}
	return path.Clean(p)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isPath reports whether a volume source is a host path (a bind mount) rather than a
// volume name.
func isPath(src string) bool {
	return strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") || strings.HasPrefix(src, "~") ||
		strings.HasPrefix(src, "$") || len(src) > 2 && isLetter(src[0]) && src[1] == ':' && (src[2] == '\\' || src[2] == '/')
}

func (t *typer) mount(v *value) Mount {
	m := Mount{Pos: v.pos, Text: v.text}
	switch v.kind {
	case scalarKind:
		if v.unknown {
			// The source holds an unset variable: the target may still be readable.
			sv := parseShortVolume(v.s)
			m.Source = setting(v)
			m.Source.Value, m.Source.Unknown = sv.source, true
			m.Target = convertSetting(setting(v), sv.target)
			m.Target.Unknown = strings.Contains(sv.target, "$")
			m.Type = MountBind
			if sv.source != "" && !isPath(sv.source) {
				m.Type = MountVolume
			}
			return m
		}
		sv := parseShortVolume(v.s)
		sv.target = cleanTarget(sv.target)
		m.Source = convertSetting(setting(v), sv.source)
		m.Target = convertSetting(setting(v), sv.target)
		for _, opt := range strings.Split(sv.mode, ",") {
			if opt == "ro" {
				m.ReadOnly = true
			}
		}
		switch {
		case sv.source == "":
			m.Type, m.Source = MountVolume, Setting[string]{}
		case isPath(sv.source):
			m.Type, m.HostPath = MountBind, resolve(v.dir, sv.source)
		default:
			m.Type = MountVolume
		}
	case mapKind:
		m.Type = MountType(v.get("type").str())
		m.Source = setting(v.get("source"))
		m.Target = setting(v.get("target"))
		if ro := v.get("read_only"); ro != nil {
			m.ReadOnly = t.boolSetting(ro, "read_only").Value
		}
		if m.Type == "" {
			m.Type = MountVolume
			if isPath(m.Source.Value) {
				m.Type = MountBind
			}
		}
		if m.Type == MountBind && !m.Source.Unknown && m.Source.Value != "" {
			m.HostPath = resolve(v.get("source").dir, m.Source.Value)
		}
	default:
		t.errorf(v, "a volume must be a string or a mapping, not %s", v.describe())
	}
	return m
}

// fileMounts reads a service's configs: or secrets: (short: the name; long: source and
// target), finding the host file of each in the top-level section.
func (t *typer) fileMounts(v *value, dir string, top map[string]*Resource) []FileMount {
	var out []FileMount
	for _, it := range items(v) {
		f := FileMount{Pos: it.pos, Text: it.text}
		switch it.kind {
		case scalarKind:
			f.Source = setting(it)
		case mapKind:
			f.Source = setting(it.get("source"))
			f.Target = setting(it.get("target"))
		default:
			t.errorf(it, "must be a name or a mapping, not %s", it.describe())
			continue
		}
		if !f.Target.Pos.IsValid() && !f.Source.Unknown {
			f.Target = convertSetting(f.Source, dir+f.Source.Value)
			if dir == "/" {
				f.Target.Value = "/" + f.Source.Value
			}
		}
		if r := top[f.Source.Value]; r != nil {
			f.HostPath, f.Inline = r.HostPath, r.Inline
		}
		out = append(out, f)
	}
	return out
}

func (t *typer) port(v *value) Port {
	p := Port{Pos: v.pos, Text: v.text, Protocol: "tcp"}
	switch v.kind {
	case scalarKind:
		if v.unknown {
			p.Unknown = true
			return p
		}
		s := v.s
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			p.Protocol, s = s[i+1:], s[:i]
		}
		var container string
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			container, s = s[i+1:], s[:i]
			if j := strings.LastIndexByte(s, ':'); j >= 0 {
				p.HostIP, p.Published = strings.Trim(s[:j], "[]"), s[j+1:]
			} else {
				p.Published = s
			}
		} else {
			container = s
		}
		var ok bool
		if p.Target, p.TargetEnd, ok = portRange(container); !ok {
			t.errorf(v, "%s is not a port", v.describe())
			p.Unknown = true
		}
	case mapKind:
		target := v.get("target")
		if target == nil || target.unknown {
			p.Unknown = true
		} else if n, err := strconv.Atoi(target.s); err == nil {
			p.Target, p.TargetEnd = n, n
		} else if a, b, ok := portRange(target.s); ok {
			p.Target, p.TargetEnd = a, b
		} else {
			t.errorf(target, "ports.target: %s is not a port", target.describe())
			p.Unknown = true
		}
		p.Published = v.get("published").str()
		p.HostIP = v.get("host_ip").str()
		if pr := v.get("protocol").str(); pr != "" {
			p.Protocol = pr
		}
		p.Mode = v.get("mode").str()
	default:
		t.errorf(v, "a port must be a string, a number or a mapping, not %s", v.describe())
		p.Unknown = true
	}
	return p
}

// portRange parses "8000" or "8000-8010".
func portRange(s string) (from, to int, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	from, err := strconv.Atoi(a)
	if err != nil || from < 0 || from > 65535 {
		return 0, 0, false
	}
	if !isRange {
		return from, from, true
	}
	to, err = strconv.Atoi(b)
	if err != nil || to < from || to > 65535 {
		return 0, 0, false
	}
	return from, to, true
}
