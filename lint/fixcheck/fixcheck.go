// Package fixcheck compares two models of the same configs, before and after fixes, as
// canonical dumps: every hop, route, backend, workload and service with every setting's
// value (positions left out, since edits move them). lint --fix uses it to write a fix
// only when the settings it names are all that changed.
package fixcheck

import (
	"fmt"
	"hash"
	"hash/fnv"
	"reflect"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
)

// Object is one top-level object of a model (a hop, backend, workload or service) as a
// dump: its key, the hash of its dump, and the files its positions lie in (the host file
// for embedded text), which say which fixes may have changed it.
type Object struct {
	Key   string
	Hash  uint64
	Files map[string]bool
	obj   reflect.Value
}

// Snapshot is the dump of a model's objects by key.
type Snapshot map[string]*Object

// Take dumps the objects of m. Only hashes are kept; Diff walks an object again to say
// which of its fields changed, for the few that differ.
func Take(m *parsers.Model) Snapshot {
	s := Snapshot{}
	if m == nil {
		return s
	}
	add := func(list string, kind, name string, pos parsers.Pos, v any) {
		key := fmt.Sprintf("%s[%s %s %s]", list, kind, name, HostFile(pos.File))
		for i := 2; s[key] != nil; i++ {
			key = fmt.Sprintf("%s[%s %s %s #%d]", list, kind, name, HostFile(pos.File), i)
		}
		o := &Object{Key: key, Files: map[string]bool{}, obj: reflect.ValueOf(v)}
		h := fnv.New64a()
		w := &walker{h: h, files: o.Files}
		w.value(o.obj, 0)
		o.Hash = h.Sum64()
		s[key] = o
	}
	for _, h := range m.Hops {
		add("Hops", string(h.Kind), h.Name, h.Pos, h)
	}
	for _, b := range m.Backends {
		add("Backends", string(b.Kind), b.Name, b.Pos, b)
	}
	for _, w := range m.Workloads {
		add("Workloads", string(w.Kind), w.Namespace+"/"+w.Name, w.Pos, w)
	}
	for _, sv := range m.Services {
		add("Services", sv.Type, sv.Namespace+"/"+sv.Name, sv.Pos, sv)
	}
	return s
}

// HostFile is the file a path's text is written in: the host of config text embedded
// in a manifest ("k8s/cm.yaml#nginx.conf" is in "k8s/cm.yaml").
func HostFile(path string) string {
	host, _, _ := strings.Cut(path, "#")
	return host
}

// Change is one value that differs between two snapshots: its path (field names and
// indexes from the top-level list: "Hops[nginx app a.conf]/Routes[0]/ReadTimeout/Value")
// and the files of its object, before and after.
type Change struct {
	Path   string
	Before string
	After  string
	Files  map[string]bool
}

// Fields lists the field names along the change's path ("Hops", "Routes",
// "ReadTimeout", "Value").
func (c Change) Fields() []string {
	var out []string
	for _, seg := range strings.Split(c.Path, "/") {
		name, _, _ := strings.Cut(seg, "[")
		out = append(out, name)
	}
	return out
}

func (c Change) String() string {
	return fmt.Sprintf("%s: %s → %s", c.Path, c.Before, c.After)
}

// Diff lists what changed from before to after: every value of an object whose hash
// differs, and objects that appeared or went away.
func Diff(before, after Snapshot) []Change {
	var out []Change
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if before[k] == nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, a := before[k], after[k]
		switch {
		case a == nil:
			out = append(out, Change{Path: k, Before: "present", After: "absent", Files: b.Files})
		case b == nil:
			out = append(out, Change{Path: k, Before: "absent", After: "present", Files: a.Files})
		case a.Hash != b.Hash:
			files := map[string]bool{}
			for f := range a.Files {
				files[f] = true
			}
			for f := range b.Files {
				files[f] = true
			}
			bv, av := flatten(b), flatten(a)
			seen := map[string]bool{}
			for _, e := range bv {
				seen[e.path] = true
			}
			bm := map[string]string{}
			for _, e := range bv {
				bm[e.path] = e.value
			}
			for _, e := range av {
				if old, ok := bm[e.path]; !ok || old != e.value {
					if !ok {
						old = "absent"
					}
					out = append(out, Change{Path: k + e.path, Before: old, After: e.value, Files: files})
				}
				delete(bm, e.path)
			}
			for _, e := range bv {
				if v, ok := bm[e.path]; ok {
					out = append(out, Change{Path: k + e.path, Before: v, After: "absent", Files: files})
				}
			}
		}
	}
	return out
}

type entry struct{ path, value string }

// flatten lists an object's values with their paths.
func flatten(o *Object) []entry {
	w := &walker{files: map[string]bool{}, list: &[]entry{}}
	w.value(o.obj, 0)
	return *w.list
}

var (
	posType    = reflect.TypeOf(parsers.Pos{})
	originType = reflect.TypeOf(&parsers.Origin{})
	// Pointers to these, below the top level, are references to other top-level
	// objects (a route's backend, a backend's hops): written as their names.
	refTypes = map[reflect.Type]bool{
		reflect.TypeOf(&parsers.Hop{}):      true,
		reflect.TypeOf(&parsers.Backend{}):  true,
		reflect.TypeOf(&parsers.Workload{}): true,
		reflect.TypeOf(&parsers.Service{}):  true,
	}
)

// walker writes an object's values in a fixed order, into a hash or as a list of
// path-value entries, and collects the files of its positions.
type walker struct {
	h     hash.Hash64
	list  *[]entry
	path  []string
	files map[string]bool
}

func (w *walker) emit(v string) {
	if w.h != nil {
		w.h.Write([]byte(strings.Join(w.path, "/")))
		w.h.Write([]byte{0})
		w.h.Write([]byte(v))
		w.h.Write([]byte{0})
	}
	if w.list != nil {
		*w.list = append(*w.list, entry{"/" + strings.Join(w.path, "/"), v})
	}
}

func (w *walker) value(v reflect.Value, depth int) {
	if depth > 12 {
		return
	}
	switch v.Type() {
	case posType:
		if f := v.Interface().(parsers.Pos).File; f != "" {
			w.files[HostFile(f)] = true
		}
		return
	case originType:
		// Where a value came from (a variable default, an outer block): its files count,
		// its words (which quote line numbers) do not.
		if o := v.Interface().(*parsers.Origin); o != nil {
			for _, p := range o.Via {
				if p.File != "" {
					w.files[HostFile(p.File)] = true
				}
			}
		}
		return
	}
	if depth > 0 && refTypes[v.Type()] {
		if v.IsNil() {
			w.emit("nil")
			return
		}
		e := v.Elem()
		w.emit(fmt.Sprintf("ref %v %v", e.FieldByName("Kind"), e.FieldByName("Name")))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			w.emit("nil")
			return
		}
		w.value(v.Elem(), depth+1)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			w.path = append(w.path, f.Name)
			w.value(v.Field(i), depth+1)
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem() == posType {
			for i := 0; i < v.Len(); i++ {
				w.value(v.Index(i), depth+1)
			}
			return
		}
		last := len(w.path) - 1
		name := w.path[last]
		if v.Len() == 0 {
			w.emit("[]")
		}
		for i := 0; i < v.Len(); i++ {
			w.path[last] = fmt.Sprintf("%s[%d]", name, i)
			w.value(v.Index(i), depth+1)
		}
		w.path[last] = name
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		last := len(w.path) - 1
		name := w.path[last]
		if len(keys) == 0 {
			w.emit("{}")
		}
		for _, k := range keys {
			w.path[last] = fmt.Sprintf("%s[%v]", name, k)
			w.value(v.MapIndex(k), depth+1)
		}
		w.path[last] = name
	default:
		w.emit(fmt.Sprint(v.Interface()))
	}
}
