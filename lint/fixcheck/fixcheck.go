// Package fixcheck compares two models of the same configs, before and after fixes,
// object by object: every hop, route, backend, workload and service with every setting's
// value (positions left out, since edits move them). lint --fix uses it to write a fix
// only when the settings it names are all that changed.
package fixcheck

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/no502/no502/parsers"
)

// Object is one top-level object of a model (a hop, backend, workload or service): its
// key and its value. Diff compares it with its namesake in another snapshot field by
// field; the files its positions lie in (the host file for embedded text), which say
// which fixes may have changed it, are collected on the way.
type Object struct {
	Key string
	obj reflect.Value
}

// Snapshot is a model's objects by key.
type Snapshot map[string]*Object

// Take lists the objects of m by key. It copies nothing: the snapshot holds the model,
// and Diff walks two of them side by side.
func Take(m *parsers.Model) Snapshot {
	s := Snapshot{}
	if m == nil {
		return s
	}
	add := func(list string, kind, name string, pos parsers.Pos, v any) {
		base := list + "[" + kind + " " + name + " " + HostFile(pos.File)
		key := base + "]"
		for i := 2; s[key] != nil; i++ {
			key = base + " #" + strconv.Itoa(i) + "]"
		}
		s[key] = &Object{Key: key, obj: reflect.ValueOf(v)}
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

// Files returns the files o's positions lie in.
func (o *Object) Files() map[string]bool {
	files := map[string]bool{}
	w := &walker{filesOnly: true, files: files}
	w.value(o.obj, 0)
	return files
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
	fields []string
}

// Fields lists the field names along the change's path ("Hops", "Routes",
// "ReadTimeout", "Value").
func (c Change) Fields() []string {
	if c.fields != nil {
		return c.fields
	}
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

// Diff lists what changed from before to after: every value of an object that differs
// (the two versions walked side by side; equal parts cost no allocation), and objects
// that appeared or went away.
func Diff(before, after Snapshot) []Change { return diff(before, after, nil, false) }

// Unexplained is Diff without the changes explained accepts. explained is asked for each
// change with the field names along its path (Change.Fields) and the files of its object;
// a change it accepts is never written out, which on a round that changes every object
// of a large model is most of the cost.
func Unexplained(before, after Snapshot, explained func(fields []string, files map[string]bool) bool) []Change {
	return diff(before, after, explained, false)
}

// DiffReference is Diff walking every value with reflect, without the compiled plans:
// slower, and kept as the reference the tests hold Diff to.
func DiffReference(before, after Snapshot) []Change { return diff(before, after, nil, true) }

func diff(before, after Snapshot, explained func([]string, map[string]bool) bool, walkAll bool) []Change {
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
	d := &differ{walkAll: walkAll, explained: explained}
	for _, k := range keys {
		b, a := before[k], after[k]
		switch {
		case a == nil:
			out = appendChange(out, explained, Change{Path: k, Before: "present", After: "absent", Files: b.Files(), fields: []string{listOf(k)}})
		case b == nil:
			out = appendChange(out, explained, Change{Path: k, Before: "absent", After: "present", Files: a.Files(), fields: []string{listOf(k)}})
		case walkAll:
			d.key, d.list, d.seen, d.out, d.path = k, listOf(k), d.seen[:0], d.out[:0], d.path[:0]
			d.diff(b.obj, a.obj, 0)
			if len(d.out) > 0 {
				// The files of both versions, shared by the object's changes.
				files := make(map[string]bool, len(d.seen))
				for _, f := range d.seen {
					files[f] = true
				}
				for i := range d.out {
					d.out[i].Files = files
				}
				out = append(out, d.out...)
			}
		default:
			if sameObject(b.obj, a.obj) {
				continue // the common case: nothing to walk, no files to collect
			}
			// The files of both versions, known before the walk so that each change
			// can be judged when it is met.
			d.objFiles = objectFiles(b.obj, a.obj)
			d.key, d.list, d.out, d.path = k, listOf(k), d.out[:0], d.path[:0]
			d.diff(b.obj, a.obj, 0)
			out = append(out, d.out...)
		}
	}
	return out
}

func appendChange(out []Change, explained func([]string, map[string]bool) bool, c Change) []Change {
	if explained != nil && explained(c.fields, c.Files) {
		return out
	}
	return append(out, c)
}

// listOf returns the list a key is in ("Hops" of "Hops[nginx app a.conf]").
func listOf(key string) string {
	list, _, _ := strings.Cut(key, "[")
	return list
}

// objectFiles returns the files of two versions of a top-level object: what a walk of
// both collects.
func objectFiles(a, b reflect.Value) map[string]bool {
	files := map[string]bool{}
	last := ""
	add := func(f string) {
		// Nearly every position of an object is in the file of the one before it.
		if f != "" && f != last {
			last = f
			files[HostFile(f)] = true
		}
	}
	p := planOf(a.Type().Elem())
	for _, v := range []reflect.Value{a, b} {
		if !v.IsNil() && p.files != nil {
			p.files(v.UnsafePointer(), 1, add)
		}
	}
	return files
}

// differ walks two versions of an object side by side and records the values that
// differ. The path is kept as segments and written out only for a change.
type differ struct {
	// walkAll: never ask the compiled plans, collect the files on the way (the reference
	// walk the tests compare with).
	walkAll   bool
	explained func([]string, map[string]bool) bool
	key, list string
	objFiles  map[string]bool // the object's files, when known before the walk
	seen      []string        // the files of the positions met so far, each once (walkAll)
	path      []segment
	fields    []string // scratch: the field names of the path
	out       []Change
}

// file notes the file of a position met (the reference walk only: otherwise the
// object's files are known before the walk).
func (d *differ) file(f string) {
	if f == "" || !d.walkAll {
		return
	}
	f = HostFile(f)
	for _, s := range d.seen {
		if s == f {
			return
		}
	}
	d.seen = append(d.seen, f)
}

// files notes the files of a value the walk does not go into on both sides (a value
// only one version has).
func (d *differ) files(v reflect.Value, depth int) {
	if !d.walkAll {
		return
	}
	files := map[string]bool{}
	w := &walker{filesOnly: true, files: files}
	w.value(v, depth)
	for f := range files {
		d.file(f)
	}
}

// segment is one step of a path: a field name and the list indexes and map keys that
// follow it ("Routes[0]", "Headers[Host][0]").
type segment struct {
	name string
	subs []sub
}

type sub struct {
	idx int
	key string // a map key; idx is -1
}

// push adds a field's segment, reusing the memory of an earlier one at that depth.
func (d *differ) push(name string) {
	if len(d.path) < cap(d.path) {
		d.path = d.path[:len(d.path)+1]
		s := &d.path[len(d.path)-1]
		s.name, s.subs = name, s.subs[:0]
		return
	}
	d.path = append(d.path, segment{name: name})
}

// record adds a change at the current path unless the object's files explain it.
func (d *differ) record(before, after text) {
	d.fields = append(d.fields[:0], d.list)
	for _, s := range d.path {
		d.fields = append(d.fields, s.name)
	}
	if d.explained != nil && d.explained(d.fields, d.objFiles) {
		return
	}
	d.recordText(before.String(), after.String())
}

// text is a value of a change, written out only when the change is kept: a word, or a
// value to summarise.
type text struct {
	word string
	v    reflect.Value
}

func word(s string) text       { return text{word: s} }
func val(v reflect.Value) text { return text{v: v} }
func (t text) String() string {
	if t.v.IsValid() {
		return summary(t.v)
	}
	return t.word
}

func (d *differ) recordText(before, after string) {
	var b strings.Builder
	b.WriteString(d.key)
	for _, s := range d.path {
		b.WriteByte('/')
		b.WriteString(s.name)
		for _, x := range s.subs {
			b.WriteByte('[')
			if x.idx >= 0 {
				b.WriteString(strconv.Itoa(x.idx))
			} else {
				b.WriteString(x.key)
			}
			b.WriteByte(']')
		}
	}
	d.out = append(d.out, Change{Path: b.String(), Before: before, After: after, Files: d.objFiles, fields: append([]string(nil), d.fields...)})
}

// summary renders a value for a change's message: a scalar as written, anything else by
// its kind.
func summary(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		if v.IsNil() {
			return "nil"
		}
		return "set"
	case reflect.Struct:
		return "set"
	}
	var b strings.Builder
	w := &walker{files: map[string]bool{}, list: &[]entry{}}
	w.path = []string{""}
	w.value(v, 1)
	for _, e := range *w.list {
		b.WriteString(e.value)
	}
	return b.String()
}

func (d *differ) diff(a, b reflect.Value, depth int) {
	if depth > 12 || d.same(a, b, depth) {
		return
	}
	t := a.Type()
	switch {
	case t == posType:
		d.file(a.Field(posFile).String())
		d.file(b.Field(posFile).String())
		return
	case t == originType:
		for _, v := range []reflect.Value{a, b} {
			if o := v.Interface().(*parsers.Origin); o != nil {
				for _, p := range o.Via {
					d.file(p.File)
				}
			}
		}
		return
	case depth > 0 && isRef(t):
		if !d.walkAll && sameRef(a, b) {
			return
		}
		ra, rb := refName(a), refName(b)
		if ra != rb {
			d.record(word(ra), word(rb))
		}
		return
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				d.record(val(a), val(b))
				d.files(a, depth)
				d.files(b, depth)
			}
			return
		}
		d.diff(a.Elem(), b.Elem(), depth+1)
	case reflect.Struct:
		for _, f := range exportedFields(t) {
			d.push(f.name)
			d.diff(a.Field(f.index), b.Field(f.index), depth+1)
			d.path = d.path[:len(d.path)-1]
		}
	case reflect.Slice, reflect.Array:
		if t.Elem() == posType {
			for _, v := range []reflect.Value{a, b} {
				for i := 0; i < v.Len(); i++ {
					d.file(v.Index(i).Field(posFile).String())
				}
			}
			return
		}
		last := len(d.path) - 1
		n := len(d.path[last].subs)
		d.path[last].subs = append(d.path[last].subs, sub{})
		for i := 0; i < a.Len() || i < b.Len(); i++ {
			d.path[last].subs[n] = sub{idx: i}
			switch {
			case i >= a.Len():
				d.record(word("absent"), val(b.Index(i)))
				d.files(b.Index(i), depth+1)
			case i >= b.Len():
				d.record(val(a.Index(i)), word("absent"))
				d.files(a.Index(i), depth+1)
			default:
				d.diff(a.Index(i), b.Index(i), depth+1)
			}
		}
		d.path[last].subs = d.path[last].subs[:n]
	case reflect.Map:
		if a.Len() == 0 && b.Len() == 0 {
			return
		}
		last := len(d.path) - 1
		keys := map[string]reflect.Value{}
		for _, k := range a.MapKeys() {
			keys[fmt.Sprint(k)] = k
		}
		for _, k := range b.MapKeys() {
			keys[fmt.Sprint(k)] = k
		}
		names := make([]string, 0, len(keys))
		for n := range keys {
			names = append(names, n)
		}
		sort.Strings(names)
		n := len(d.path[last].subs)
		d.path[last].subs = append(d.path[last].subs, sub{})
		for _, name := range names {
			k := keys[name]
			d.path[last].subs[n] = sub{idx: -1, key: name}
			av, bv := a.MapIndex(k), b.MapIndex(k)
			switch {
			case !av.IsValid():
				d.record(word("absent"), val(bv))
				d.files(bv, depth+1)
			case !bv.IsValid():
				d.record(val(av), word("absent"))
				d.files(av, depth+1)
			default:
				d.diff(av, bv, depth+1)
			}
		}
		d.path[last].subs = d.path[last].subs[:n]
	default:
		if !sameScalar(a, b) {
			d.record(val(a), val(b))
		}
	}
}

// same reports whether the compiled plan of a's type finds a and b equal. Only lists, maps and structs are asked:
// a scalar is compared as cheaply by the walk, and a pointer is asked at its target.
func (d *differ) same(a, b reflect.Value, depth int) bool {
	if d.walkAll {
		return false
	}
	switch a.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
	default:
		return false
	}
	if a.Type() != b.Type() {
		return false
	}
	pa, pb := addressOf(a), addressOf(b)
	// The object's files were collected before the walk (objectFiles).
	return planOf(a.Type()).same(pa, pb, depth)
}

// addressOf returns where v is held, copying it out when it is not addressable (a map's
// value).
func addressOf(v reflect.Value) unsafe.Pointer {
	if v.CanAddr() {
		return v.Addr().UnsafePointer()
	}
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	return c.UnsafePointer()
}

// sameObject reports whether two versions of a top-level object (pointers) are equal as
// Diff sees them.
func sameObject(a, b reflect.Value) bool {
	if a.Kind() != reflect.Pointer || a.Type() != b.Type() {
		return false
	}
	if a.IsNil() || b.IsNil() {
		return a.IsNil() == b.IsNil()
	}
	return planOf(a.Type().Elem()).same(a.UnsafePointer(), b.UnsafePointer(), 1)
}

// sameRef reports whether two references name the same object, as refName writes
// them, without writing them.
func sameRef(a, b reflect.Value) bool {
	pa, pb := a.UnsafePointer(), b.UnsafePointer()
	if pa == nil || pb == nil {
		return pa == pb
	}
	return refSameOf(a.Type().Elem())(pa, pb)
}

// sameScalar compares two values of one scalar type without boxing them (Interface
// allocates for most values, and an nginx round compares millions of them).
func sameScalar(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	}
	return a.Interface() == b.Interface()
}

// refName names a reference to another top-level object.
func refName(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	e := v.Elem()
	return "ref " + e.FieldByName("Kind").String() + " " + e.FieldByName("Name").String()
}

type entry struct{ path, value string }

var (
	posType    = reflect.TypeOf(parsers.Pos{})
	posFile    = fieldIndex(posType, "File")
	originType = reflect.TypeOf(&parsers.Origin{})
	// Pointers to these, below the top level, are references to other top-level
	// objects (a route's backend, a backend's hops): written as their names.
	hopRef, backendRef = reflect.TypeOf(&parsers.Hop{}), reflect.TypeOf(&parsers.Backend{})
	workloadRef        = reflect.TypeOf(&parsers.Workload{})
	serviceRef         = reflect.TypeOf(&parsers.Service{})
)

// isRef reports whether t is a reference to a top-level object (compared as types, not
// looked up in a map: this runs for every value of both models).
func isRef(t reflect.Type) bool {
	return t == hopRef || t == backendRef || t == workloadRef || t == serviceRef
}

// walker collects the files of a value's positions and, with list set, writes its
// values in a fixed order as path-value entries (summary).
type walker struct {
	// filesOnly: only the files are wanted; no path is kept and no value written.
	filesOnly bool
	list      *[]entry
	path      []string
	files     map[string]bool
}

func (w *walker) emit(v string) {
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
		if f := v.Field(posFile).String(); f != "" {
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
	if depth > 0 && isRef(v.Type()) {
		if v.IsNil() {
			w.emit("nil")
			return
		}
		e := v.Elem()
		w.emit("ref " + e.FieldByName("Kind").String() + " " + e.FieldByName("Name").String())
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
		for _, f := range exportedFields(v.Type()) {
			if w.filesOnly {
				w.value(v.Field(f.index), depth+1) // no path to keep
				continue
			}
			w.path = append(w.path, f.name)
			w.value(v.Field(f.index), depth+1)
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem() == posType {
			for i := 0; i < v.Len(); i++ {
				w.value(v.Index(i), depth+1)
			}
			return
		}
		if w.filesOnly {
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
		if w.filesOnly {
			for _, k := range keys {
				w.value(v.MapIndex(k), depth+1)
			}
			return
		}
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
	case reflect.String:
		w.emit(v.String())
	case reflect.Bool:
		w.emit(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if w.list == nil {
			return
		}
		if v.Type() == durationType {
			w.emit(time.Duration(v.Int()).String())
		} else {
			w.emit(strconv.FormatInt(v.Int(), 10))
		}
	default:
		if w.list != nil {
			w.emit(fmt.Sprint(v.Interface()))
		}
	}
}

var durationType = reflect.TypeOf(time.Duration(0))

func fieldIndex(t reflect.Type, name string) int {
	f, _ := t.FieldByName(name)
	return f.Index[0]
}

type field struct {
	name  string
	index int
}

// fieldCache holds the exported fields of each struct type walked.
var fieldCache sync.Map // reflect.Type → []field

func exportedFields(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			fs = append(fs, field{f.Name, i})
		}
	}
	fieldCache.Store(t, fs)
	return fs
}
