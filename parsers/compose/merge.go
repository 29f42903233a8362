package compose

import (
	"fmt"
	"strings"
)

// mergeRule is how an attribute of a later file combines with the same attribute of an
// earlier one (the Compose specification's merge section, as compose-go implements it).
type mergeRule uint8

const (
	// mergeDefault: mappings merge key by key, sequences append the entries that are not
	// already there, scalars are replaced; a null in the later file changes nothing.
	mergeDefault mergeRule = iota
	// mergeReplace: command, entrypoint and healthcheck.test are replaced whole.
	mergeReplace
	// mergeKeyValue: environment, labels and other KEY=VALUE attributes (list or map
	// form) merge by key; a later entry replaces the earlier one of the same key.
	mergeKeyValue
	// mergeAsMapping: depends_on and networks (list or map form) merge as mappings.
	mergeAsMapping
	// mergeToSequence: dns, env_file, tmpfs... (a string or a list) append.
	mergeToSequence
	// mergeBuild: build as a string is build.context.
	mergeBuild
	// mergeLogging: logging options merge only when both files name the same driver.
	mergeLogging
	// mergeUlimit: one ulimit merges when both are mappings, else is replaced.
	mergeUlimit
)

// ruleFor returns the merge rule of an attribute path (services.web.environment...).
func ruleFor(path []string) mergeRule {
	if len(path) == 3 && path[0] != "services" && path[2] == "labels" {
		return mergeKeyValue // networks.*.labels, volumes.*.labels, configs/secrets
	}
	if len(path) < 3 || path[0] != "services" {
		return mergeDefault
	}
	attr := strings.Join(path[2:], ".")
	switch attr {
	case "command", "entrypoint", "healthcheck.test":
		return mergeReplace
	case "environment", "labels", "annotations", "sysctls", "build.args", "build.labels",
		"build.additional_contexts", "deploy.labels":
		return mergeKeyValue
	case "depends_on", "networks":
		return mergeAsMapping
	case "dns", "dns_opt", "dns_search", "env_file", "label_file", "extra_hosts", "tmpfs", "build.extra_hosts":
		return mergeToSequence
	case "build":
		return mergeBuild
	case "logging":
		return mergeLogging
	}
	if len(path) == 4 && path[2] == "ulimits" {
		return mergeUlimit
	}
	return mergeDefault
}

// mergeFile merges the tree of a later file into the merged tree so far. Neither input is
// changed (parts of them may be shared with the result).
func mergeFile(base, over *value) (*value, error) {
	if base == nil {
		out := over.shallow()
		return out, enforceUnique(out, nil)
	}
	m, err := merge(base, over, nil)
	if err != nil {
		return nil, err
	}
	return m, enforceUnique(m, nil)
}

func merge(base, over *value, path []string) (*value, error) {
	if over == nil {
		return base, nil
	}
	if over.override {
		return over, nil
	}
	switch ruleFor(path) {
	case mergeReplace:
		return over, nil
	case mergeKeyValue:
		return mergeKV(base, over), nil
	case mergeAsMapping:
		var defaults []string
		if path[len(path)-1] == "depends_on" {
			defaults = []string{"condition", "service_started", "required", "true"}
		}
		b, err := asMapping(base, defaults, path)
		if err != nil {
			return nil, err
		}
		o, err := asMapping(over, defaults, path)
		if err != nil {
			return nil, err
		}
		return mergeMaps(b, o, path)
	case mergeToSequence:
		return appendUnique(asSequence(base), asSequence(over)), nil
	case mergeBuild:
		return mergeMaps(asBuild(base), asBuild(over), path)
	case mergeLogging:
		if base.kind == mapKind && over.kind == mapKind {
			bd, od := base.get("driver"), over.get("driver")
			if bd == nil || od == nil || bd.s == od.s {
				return mergeMaps(base, over, path)
			}
		}
		return over, nil
	case mergeUlimit:
		if base.kind == mapKind && over.kind == mapKind {
			return mergeMaps(base, over, path)
		}
		return over, nil
	}
	if over.isNull() {
		return base, nil
	}
	switch {
	case base.kind == mapKind && over.kind == mapKind:
		return mergeMaps(base, over, path)
	case base.kind == seqKind && over.kind == seqKind:
		return appendUnique(base, over), nil
	case base.kind == mapKind || base.kind == seqKind:
		return nil, fmt.Errorf("%s: cannot override %s with %s", over.pos, strings.Join(path, "."), over.describe())
	}
	return over, nil
}

// mergeMaps merges two mappings key by key; a !reset value removes the key.
func mergeMaps(base, over *value, path []string) (*value, error) {
	if base.isNull() {
		base = &value{kind: mapKind, pos: over.pos, dir: over.dir}
	}
	out := base.shallow()
	idx := make(map[string]int, len(out.keys))
	for i, k := range out.keys {
		idx[k.s] = i
	}
	removed := false
	for i, k := range over.keys {
		ov := over.vals[i]
		j, ok := idx[k.s]
		switch {
		case ov.reset:
			if ok && out.keys[j] != nil {
				out.keys[j], removed = nil, true
			}
		case !ok || out.keys[j] == nil:
			idx[k.s] = len(out.keys)
			out.keys = append(out.keys, k)
			out.vals = append(out.vals, ov)
		default:
			m, err := merge(out.vals[j], ov, append(path[:len(path):len(path)], k.s))
			if err != nil {
				return nil, err
			}
			out.vals[j] = m
		}
	}
	if removed {
		keys, vals := out.keys[:0], out.vals[:0]
		for i, k := range out.keys {
			if k != nil {
				keys, vals = append(keys, k), append(vals, out.vals[i])
			}
		}
		out.keys, out.vals = keys, vals
	}
	return out, nil
}

// maxDedup bounds the lists whose entries are compared with each other when merging:
// docker compose drops an appended entry equal to one already there, which is quadratic,
// and real lists are short. Longer (hostile) lists simply append.
const maxDedup = 1000

// appendUnique appends the entries of over that base does not already hold.
func appendUnique(base, over *value) *value {
	if base.isNull() || len(base.items) == 0 && base.kind == seqKind && !base.pos.IsValid() {
		return over
	}
	out := base.shallow()
	for _, it := range over.items {
		if it.reset {
			continue
		}
		if len(out.items) > maxDedup {
			out.items = append(out.items, it)
			continue
		}
		dup := false
		for _, e := range out.items {
			if equal(e, it) {
				dup = true
				break
			}
		}
		if !dup {
			out.items = append(out.items, it)
		}
	}
	return out
}

// mergeKV merges two KEY=VALUE attributes (each a list or a mapping) into a mapping.
func mergeKV(base, over *value) *value {
	out, o := kvMap(base), kvMap(over)
	out.keys = append(out.keys, o.keys...)
	out.vals = append(out.vals, o.vals...)
	return lastByKey(out)
}

// lastByKey keeps one entry per key of a mapping built from KEY=VALUE entries: the last
// one, at the place of the first; a !reset entry removes the key.
func lastByKey(m *value) *value {
	idx := make(map[string]int, len(m.keys))
	keys, vals := m.keys[:0:0], m.vals[:0:0]
	for i, k := range m.keys {
		if j, ok := idx[k.s]; ok {
			vals[j] = m.vals[i]
			continue
		}
		idx[k.s] = len(keys)
		keys, vals = append(keys, k), append(vals, m.vals[i])
	}
	m.keys, m.vals = keys[:0], vals[:0]
	for i, k := range keys {
		if !vals[i].reset {
			m.keys, m.vals = append(m.keys, k), append(m.vals, vals[i])
		}
	}
	return m
}

// kvMap turns a KEY=VALUE list into a mapping (an entry without = maps to null). Each
// key and value keeps the list entry's position.
func kvMap(v *value) *value {
	if v.isNull() {
		return &value{kind: mapKind}
	}
	if v.kind == mapKind {
		return v.shallow()
	}
	out := &value{kind: mapKind, pos: v.pos, dir: v.dir, text: v.text}
	for _, it := range v.items {
		if it.kind != scalarKind {
			continue
		}
		key, val, has := splitKV(it.s)
		k := *it
		k.s, k.unknown = key, false
		kv := &value{pos: it.pos, text: it.text, dir: it.dir}
		if has {
			kv.kind, kv.s, kv.tag, kv.unknown, kv.via = scalarKind, val, "!!str", it.unknown, it.via
		}
		out.keys = append(out.keys, &k)
		out.vals = append(out.vals, kv)
	}
	return lastByKey(out)
}

// asMapping turns the list form of depends_on or networks into a mapping; defaults
// (key, value pairs) fill each entry of a list, as docker compose does when merging.
func asMapping(v *value, defaults []string, path []string) (*value, error) {
	switch {
	case v.isNull():
		return &value{kind: mapKind}, nil
	case v.kind == mapKind:
		return v, nil
	case v.kind == scalarKind:
		v = &value{kind: seqKind, items: []*value{v}, pos: v.pos}
	}
	out := &value{kind: mapKind, pos: v.pos, dir: v.dir, text: v.text}
	for _, it := range v.items {
		if it.kind != scalarKind {
			return nil, fmt.Errorf("%s: %s: cannot use %s as a name", it.pos, strings.Join(path, "."), it.describe())
		}
		entry := &value{pos: it.pos, dir: it.dir}
		if len(defaults) > 0 {
			entry.kind = mapKind
			for i := 0; i+1 < len(defaults); i += 2 {
				entry.keys = append(entry.keys, &value{kind: scalarKind, s: defaults[i], tag: "!!str"})
				entry.vals = append(entry.vals, &value{kind: scalarKind, s: defaults[i+1], tag: "!!str"})
			}
		}
		out.set(it, entry)
	}
	return out, nil
}

// asSequence turns a single string into a one-entry list.
func asSequence(v *value) *value {
	if v.isNull() {
		return &value{kind: seqKind}
	}
	if v.kind == seqKind {
		return v
	}
	return &value{kind: seqKind, items: []*value{v}, pos: v.pos, dir: v.dir, text: v.text}
}

// asBuild turns the string form of build into {context: ...}.
func asBuild(v *value) *value {
	if v.kind != scalarKind {
		return v
	}
	return &value{kind: mapKind, pos: v.pos, dir: v.dir, text: v.text,
		keys: []*value{{kind: scalarKind, s: "context", tag: "!!str", pos: v.pos}}, vals: []*value{v}}
}

// uniqueKey returns the function that names the identity of an entry of a list whose
// entries must be unique (a later entry with the same key replaces the earlier one), or
// nil for an ordinary list.
func uniqueKey(path []string) func(*value) string {
	if len(path) < 3 || path[0] != "services" {
		return nil
	}
	switch strings.Join(path[2:], ".") {
	case "ports":
		return portKey
	case "volumes":
		return volumeKey
	case "configs":
		return mountKey("")
	case "secrets":
		return mountKey("/run/secrets")
	case "expose", "dns", "dns_opt", "dns_search", "cap_add", "cap_drop", "profiles", "links", "tmpfs":
		return func(v *value) string { k, _, _ := splitKV(v.s); return k }
	}
	if len(path) == 5 && path[2] == "networks" && path[4] == "aliases" {
		return func(v *value) string { return v.s }
	}
	return nil
}

// enforceUnique keeps one entry per key in the lists that must be unique: the last
// entry for a key takes effect, at the place of the first.
func enforceUnique(v *value, path []string) error {
	switch v.kind {
	case mapKind:
		for i, k := range v.keys {
			c := v.vals[i]
			if c.kind == mapKind || c.kind == seqKind {
				c = c.shallow()
				v.vals[i] = c
				if err := enforceUnique(c, append(path[:len(path):len(path)], k.s)); err != nil {
					return err
				}
			}
		}
	case seqKind:
		key := uniqueKey(path)
		if key == nil {
			return nil
		}
		var out []*value
		seen := map[string]int{}
		for _, it := range v.items {
			k := key(it)
			if j, ok := seen[k]; ok && k != "" {
				out[j] = it
				continue
			}
			seen[k] = len(out)
			out = append(out, it)
		}
		v.items = out
	}
	return nil
}

// portKey identifies a port: {host ip, published, target, protocol}.
func portKey(v *value) string {
	if v.kind != mapKind {
		return v.s
	}
	ip := v.get("host_ip").str()
	if ip == "" {
		ip = "0.0.0.0"
	}
	proto := v.get("protocol").str()
	if proto == "" {
		proto = "tcp"
	}
	return fmt.Sprintf("%s:%s:%s/%s", ip, v.get("published").str(), v.get("target").str(), proto)
}

// volumeKey identifies a volume mount by its target in the container.
func volumeKey(v *value) string {
	if v.kind == mapKind {
		return v.get("target").str()
	}
	return parseShortVolume(v.s).target
}

// mountKey identifies a config or secret by its target (default: a file named after
// the source under dir).
func mountKey(dir string) func(*value) string {
	return func(v *value) string {
		if v.kind == mapKind {
			if t := v.get("target"); t != nil {
				return t.str()
			}
			return dir + "/" + v.get("source").str()
		}
		return dir + "/" + v.s
	}
}
