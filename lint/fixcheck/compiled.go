package fixcheck

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/no502/no502/parsers"
)

// Most of two models is the same: a round of fixes changes a few settings of each object
// it touches and nothing of the rest. Walking every value with reflect.Value (a kind
// switch, a field lookup and a Value per step) made the comparison cost as much as a
// parse. A plan is that walk compiled once per type into closures over raw pointers:
// same reports whether Diff would record nothing for two values (and nothing else: a
// false says only "walk it"), files collects the files of a value's positions as walker
// does. The differ asks a plan first and walks only what differs.
//
// The rules of the walk are the differ's, kept in step by TestCompiledMatchesWalk:
// positions and origins are compared by nothing (their files are collected), a pointer
// to another top-level object below the top is compared by its name, exported fields
// only, nothing deeper than maxDepth.

const maxDepth = 12

type plan struct {
	// same reports whether the values at a and b (of the plan's type, depth steps below
	// the top-level object) are equal as Diff sees them.
	same func(a, b unsafe.Pointer, depth int) bool
	// files adds the files of the positions in the value at p; nil when the type holds
	// no position and no origin at any depth.
	files func(p unsafe.Pointer, depth int, add func(string))
}

var plans sync.Map // reflect.Type → *plan

// planOf returns the compiled plan of t.
func planOf(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	c := &compiler{building: map[reflect.Type]*plan{}}
	p := c.compile(t)
	c.finish()
	for t, q := range c.building {
		plans.LoadOrStore(t, q)
	}
	return p
}

type compiler struct {
	building map[reflect.Type]*plan // the plans of this compilation, recursive types included
}

func (c *compiler) compile(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := c.building[t]; ok {
		return p // a recursive type: its closures call through the pointer
	}
	p := &plan{}
	c.building[t] = p
	switch {
	case t == posType:
		p.same = func(a, b unsafe.Pointer, depth int) bool { return true }
		p.files = func(v unsafe.Pointer, depth int, add func(string)) {
			if depth <= maxDepth {
				add((*parsers.Pos)(v).File)
			}
		}
		return p
	case t == originType:
		p.same = func(a, b unsafe.Pointer, depth int) bool { return true }
		p.files = func(v unsafe.Pointer, depth int, add func(string)) {
			if o := *(**parsers.Origin)(v); o != nil && depth <= maxDepth {
				for _, pos := range o.Via {
					add(pos.File)
				}
			}
		}
		return p
	}
	switch t.Kind() {
	case reflect.Pointer:
		c.pointer(p, t)
	case reflect.Struct:
		c.structure(p, t)
	case reflect.Slice:
		c.slice(p, t)
	case reflect.Array:
		c.array(p, t)
	case reflect.Map:
		c.mapping(p, t)
	case reflect.String:
		p.same = func(a, b unsafe.Pointer, depth int) bool {
			return depth > maxDepth || *(*string)(a) == *(*string)(b)
		}
	case reflect.Bool:
		p.same = func(a, b unsafe.Pointer, depth int) bool {
			return depth > maxDepth || *(*bool)(a) == *(*bool)(b)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		// Integers compare by their bytes.
		size := t.Size()
		p.same = func(a, b unsafe.Pointer, depth int) bool {
			return depth > maxDepth || bytesEqual(a, b, size)
		}
	case reflect.Float32:
		p.same = func(a, b unsafe.Pointer, depth int) bool {
			return depth > maxDepth || *(*float32)(a) == *(*float32)(b)
		}
	case reflect.Float64:
		p.same = func(a, b unsafe.Pointer, depth int) bool {
			return depth > maxDepth || *(*float64)(a) == *(*float64)(b)
		}
	default:
		// Interfaces, functions, channels, complex numbers: the model holds none of
		// them; the differ walks them as it always did.
		p.same = func(a, b unsafe.Pointer, depth int) bool { return depth > maxDepth }
		p.files = func(v unsafe.Pointer, depth int, add func(string)) {
			if depth <= maxDepth {
				w := &walker{filesOnly: true, files: map[string]bool{}}
				w.value(reflect.NewAt(t, v).Elem(), depth)
				for f := range w.files {
					add(f)
				}
			}
		}
	}
	return p
}

func bytesEqual(a, b unsafe.Pointer, n uintptr) bool {
	return unsafe.String((*byte)(a), n) == unsafe.String((*byte)(b), n)
}

// pointer compiles a pointer type. Below the top, a pointer to a hop, backend,
// workload or service is a reference, equal when both name the same object.
func (c *compiler) pointer(p *plan, t reflect.Type) {
	elem := c.compile(t.Elem())
	var ref func(a, b unsafe.Pointer) bool
	if isRef(t) {
		ref = refSameOf(t.Elem())
	}
	p.same = func(a, b unsafe.Pointer, depth int) bool {
		if depth > maxDepth {
			return true
		}
		pa, pb := *(*unsafe.Pointer)(a), *(*unsafe.Pointer)(b)
		if ref != nil && depth > 0 {
			if pa == nil || pb == nil {
				return pa == pb
			}
			return ref(pa, pb)
		}
		if pa == nil || pb == nil {
			return pa == pb
		}
		return elem.same(pa, pb, depth+1)
	}
	p.files = func(v unsafe.Pointer, depth int, add func(string)) {
		if depth > maxDepth || ref != nil && depth > 0 {
			return
		}
		if pv := *(*unsafe.Pointer)(v); pv != nil && elem.files != nil {
			elem.files(pv, depth+1, add)
		}
	}
}

var refSames sync.Map // reflect.Type → func(a, b unsafe.Pointer) bool

// refSameOf is refSame, made once per type.
func refSameOf(t reflect.Type) func(a, b unsafe.Pointer) bool {
	if f, ok := refSames.Load(t); ok {
		return f.(func(a, b unsafe.Pointer) bool)
	}
	f, _ := refSames.LoadOrStore(t, refSame(t))
	return f.(func(a, b unsafe.Pointer) bool)
}

// refSame compares two references as refName names them: "ref <Kind> <Name>".
func refSame(t reflect.Type) func(a, b unsafe.Pointer) bool {
	name, _ := t.FieldByName("Name")
	kind, hasKind := t.FieldByName("Kind")
	if name.Type.Kind() != reflect.String || len(name.Index) != 1 {
		panic("fixcheck: a reference type without a Name string: " + t.String())
	}
	// Without a Kind string refName writes the same word for every object of the type.
	hasKind = hasKind && kind.Type.Kind() == reflect.String && len(kind.Index) == 1
	return func(a, b unsafe.Pointer) bool {
		if hasKind && *(*string)(unsafe.Add(a, kind.Offset)) != *(*string)(unsafe.Add(b, kind.Offset)) {
			return false
		}
		return *(*string)(unsafe.Add(a, name.Offset)) == *(*string)(unsafe.Add(b, name.Offset))
	}
}

type compiledField struct {
	offset uintptr
	plan   *plan
}

func (c *compiler) structure(p *plan, t reflect.Type) {
	var fields []compiledField
	for _, f := range exportedFields(t) {
		sf := t.Field(f.index)
		fields = append(fields, compiledField{sf.Offset, c.compile(sf.Type)})
	}
	p.same = func(a, b unsafe.Pointer, depth int) bool {
		if depth > maxDepth {
			return true
		}
		for _, f := range fields {
			if !f.plan.same(unsafe.Add(a, f.offset), unsafe.Add(b, f.offset), depth+1) {
				return false
			}
		}
		return true
	}
	p.files = func(v unsafe.Pointer, depth int, add func(string)) {
		if depth > maxDepth {
			return
		}
		for _, f := range fields {
			if f.plan.files != nil {
				f.plan.files(unsafe.Add(v, f.offset), depth+1, add)
			}
		}
	}
}

type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

func (c *compiler) slice(p *plan, t reflect.Type) {
	elem := c.compile(t.Elem())
	size := t.Elem().Size()
	posOnly := t.Elem() == posType // a list of positions: files only, as the differ
	p.same = func(a, b unsafe.Pointer, depth int) bool {
		if depth > maxDepth || posOnly {
			return true
		}
		sa, sb := (*sliceHeader)(a), (*sliceHeader)(b)
		if sa.len != sb.len {
			return false
		}
		for i := 0; i < sa.len; i++ {
			off := uintptr(i) * size
			if !elem.same(unsafe.Add(sa.data, off), unsafe.Add(sb.data, off), depth+1) {
				return false
			}
		}
		return true
	}
	p.files = func(v unsafe.Pointer, depth int, add func(string)) {
		if depth > maxDepth || elem.files == nil {
			return
		}
		s := (*sliceHeader)(v)
		for i := 0; i < s.len; i++ {
			if posOnly {
				// The differ notes every element's file while the list is in depth.
				add((*parsers.Pos)(unsafe.Add(s.data, uintptr(i)*size)).File)
				continue
			}
			elem.files(unsafe.Add(s.data, uintptr(i)*size), depth+1, add)
		}
	}
}

func (c *compiler) array(p *plan, t reflect.Type) {
	elem := c.compile(t.Elem())
	size, n := t.Elem().Size(), t.Len()
	posOnly := t.Elem() == posType
	p.same = func(a, b unsafe.Pointer, depth int) bool {
		if depth > maxDepth || posOnly {
			return true
		}
		for i := 0; i < n; i++ {
			off := uintptr(i) * size
			if !elem.same(unsafe.Add(a, off), unsafe.Add(b, off), depth+1) {
				return false
			}
		}
		return true
	}
	p.files = func(v unsafe.Pointer, depth int, add func(string)) {
		if depth > maxDepth || elem.files == nil {
			return
		}
		for i := 0; i < n; i++ {
			if posOnly {
				add((*parsers.Pos)(unsafe.Add(v, uintptr(i)*size)).File)
				continue
			}
			elem.files(unsafe.Add(v, uintptr(i)*size), depth+1, add)
		}
	}
}

// mapping compiles a map type. Maps are few in a model (labels, environments): their
// values are copied out through reflect to be compared.
func (c *compiler) mapping(p *plan, t reflect.Type) {
	elem := c.compile(t.Elem())
	et := t.Elem()
	addr := func(v reflect.Value) unsafe.Pointer {
		tmp := reflect.New(et)
		tmp.Elem().Set(v)
		return tmp.UnsafePointer()
	}
	p.same = func(a, b unsafe.Pointer, depth int) bool {
		if depth > maxDepth {
			return true
		}
		ma, mb := reflect.NewAt(t, a).Elem(), reflect.NewAt(t, b).Elem()
		if ma.Len() != mb.Len() {
			return false
		}
		it := ma.MapRange()
		for it.Next() {
			bv := mb.MapIndex(it.Key())
			if !bv.IsValid() {
				return false
			}
			if et.Kind() == reflect.String {
				if it.Value().String() != bv.String() {
					return false
				}
				continue
			}
			if !elem.same(addr(it.Value()), addr(bv), depth+1) {
				return false
			}
		}
		return true
	}
	p.files = func(v unsafe.Pointer, depth int, add func(string)) {
		if depth > maxDepth || elem.files == nil {
			return
		}
		it := reflect.NewAt(t, v).Elem().MapRange()
		for it.Next() {
			elem.files(addr(it.Value()), depth+1, add)
		}
	}
}

// finish drops the files walk of every type of a compilation that cannot hold a
// position: the walk of a route then skips its strings and numbers.
func (c *compiler) finish() {
	for t, p := range c.building {
		if !mayHoldFiles(t, map[reflect.Type]bool{}) {
			p.files = nil
		}
	}
}

// mayHoldFiles reports whether a value of t can hold a position or an origin whose file
// the walker collects.
func mayHoldFiles(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == posType || t == originType {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer:
		return !isRef(t) && mayHoldFiles(t.Elem(), seen)
	case reflect.Slice, reflect.Array, reflect.Map:
		return mayHoldFiles(t.Elem(), seen)
	case reflect.Struct:
		for _, f := range exportedFields(t) {
			if mayHoldFiles(t.Field(f.index).Type, seen) {
				return true
			}
		}
		return false
	case reflect.Interface:
		return true
	}
	return false
}
