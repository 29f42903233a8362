package k8s

import (
	"reflect"
	"sync"
	"unsafe"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// A fix run lints its files again after each round, and most files did not change: with
// parsers.Options.Cache set, Parse keeps a copy of what it read from each file
// (keepFile), and the next parse of a file with the same path and text takes that copy
// instead of decoding the YAML again (keptFile). What is kept is the model objects as
// read, copied before the link steps change the originals (Services gain workloads,
// workloads their PodDisruptionBudgets). A file with an object whose node tree is read
// after the last file (a ConfigMap, an NLB Service, an HTTPRoute, a TargetGroupBinding)
// is decoded each time.

// fileKey names a file's text: its path and its bytes (the map hashes them; the bytes
// are the run's own, never changed).
type fileKey struct {
	path, src string
}

// keptRead is what Parse read from one file.
type keptRead struct {
	src      []byte // the text the key's string shares
	diags    []parsers.Diag
	rendered []parsers.Rendered
	shared   []parsers.Pos
	outs     []readOut // a copy made before the link steps; handed out once
}

func keyOf(in parsers.Input) fileKey {
	if len(in.Src) == 0 {
		return fileKey{path: in.Path}
	}
	return fileKey{path: in.Path, src: unsafe.String(&in.Src[0], len(in.Src))}
}

// keptFile returns what an earlier parse of the run read from in's text, if it kept it,
// and drops it from the cache: the objects are handed out as they are, not copied again
// (a copy for every later parse would keep a second model alive for the whole run).
func keptFile(c *parsers.ParseCache, in parsers.Input) *keptRead {
	v, ok := c.Take(keyOf(in))
	if !ok {
		return nil
	}
	return v.(*keptRead)
}

// keepFile keeps what was read from in, copied before apply and the links change it,
// when every object of it can be kept.
func keepFile(c *parsers.ParseCache, in parsers.Input, diags []parsers.Diag, rendered []parsers.Rendered, shared []parsers.Pos, outs []readOut) {
	if c == nil {
		return
	}
	for _, out := range outs {
		if !out.keepable() {
			return
		}
	}
	k := &keptRead{src: in.Src, diags: append([]parsers.Diag(nil), diags...), rendered: append([]parsers.Rendered(nil), rendered...), shared: append([]parsers.Pos(nil), shared...)}
	k.outs = copyOuts(outs)
	c.Store(keyOf(in), k)
}

// copyOuts copies the objects of one file deeply, keeping what they share shared among
// the copies (two settings of an HPA point at one Origin).
func copyOuts(outs []readOut) []readOut {
	c := &copier{seen: map[seenKey]unsafe.Pointer{}}
	out := make([]readOut, len(outs))
	copy(out, outs)
	p := planFor(reflect.TypeOf(readOut{}))
	for i := range out {
		p.fix(c, unsafe.Pointer(&out[i]), unsafe.Pointer(&outs[i]))
	}
	return out
}

// A deep copy walks a plan per type, made once: what to do with each pointer, slice and
// map a value holds, at what offset. (A copy through reflect.Value cost as much as
// decoding the file again.) Strings, the file's text (a []byte), its source and YAML
// nodes are never changed by anyone, and are shared.

// copier is one deep copy: the pointers copied so far.
type copier struct {
	seen map[seenKey]unsafe.Pointer // a pointer copied → its copy
}

// seenKey is a pointer with its type (a struct and its first field share an address).
type seenKey struct {
	p unsafe.Pointer
	t reflect.Type
}

// copyPlan is how to finish the copy of a value of one type: fix is called with dst
// holding the bytes of src, and replaces what dst shares with src by copies.
type copyPlan struct {
	fix func(c *copier, dst, src unsafe.Pointer) // nil: nothing to replace
}

var (
	sourceType = reflect.TypeOf(&source{})
	nodeType   = reflect.TypeOf(&yaml.Node{})
	bytesType  = reflect.TypeOf([]byte(nil))
	copyPlans  sync.Map // reflect.Type → *copyPlan
	planMu     sync.Mutex
)

// planFor returns the plan of t, making it (and the plans it uses) once.
func planFor(t reflect.Type) *copyPlan {
	if p, ok := copyPlans.Load(t); ok {
		return p.(*copyPlan)
	}
	planMu.Lock()
	defer planMu.Unlock()
	building := map[reflect.Type]*copyPlan{}
	p := makePlan(t, building)
	for t, q := range building {
		copyPlans.Store(t, q)
	}
	return p
}

func makePlan(t reflect.Type, building map[reflect.Type]*copyPlan) *copyPlan {
	if p, ok := copyPlans.Load(t); ok {
		return p.(*copyPlan)
	}
	if p, ok := building[t]; ok {
		return p // recursive: its fix is filled in below before it runs
	}
	p := &copyPlan{}
	building[t] = p
	if t == sourceType || t == nodeType || t == bytesType {
		return p
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := t.Elem()
		ep := makePlan(elem, building)
		p.fix = func(c *copier, dst, src unsafe.Pointer) {
			from := *(*unsafe.Pointer)(src)
			if from == nil {
				return
			}
			key := seenKey{from, t}
			to, ok := c.seen[key]
			if !ok {
				to = reflect.New(elem).UnsafePointer()
				c.seen[key] = to
				reflect.NewAt(elem, to).Elem().Set(reflect.NewAt(elem, from).Elem())
				if ep.fix != nil {
					ep.fix(c, to, from)
				}
			}
			*(*unsafe.Pointer)(dst) = to
		}
	case reflect.Struct:
		type field struct {
			off  uintptr
			plan *copyPlan
		}
		var fields []field
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			fields = append(fields, field{f.Offset, makePlan(f.Type, building)})
		}
		p.fix = func(c *copier, dst, src unsafe.Pointer) {
			for _, f := range fields {
				if f.plan.fix != nil {
					f.plan.fix(c, unsafe.Add(dst, f.off), unsafe.Add(src, f.off))
				}
			}
		}
	case reflect.Slice:
		elem := t.Elem()
		ep := makePlan(elem, building)
		size := elem.Size()
		p.fix = func(c *copier, dst, src unsafe.Pointer) {
			from := reflect.NewAt(t, src).Elem()
			if from.IsNil() {
				return
			}
			to := reflect.MakeSlice(t, from.Len(), from.Len())
			reflect.Copy(to, from)
			if ep.fix != nil {
				d, s := to.UnsafePointer(), from.UnsafePointer()
				for i := 0; i < from.Len(); i++ {
					off := uintptr(i) * size
					ep.fix(c, unsafe.Add(d, off), unsafe.Add(s, off))
				}
			}
			reflect.NewAt(t, dst).Elem().Set(to)
		}
	case reflect.Array:
		elem := t.Elem()
		ep := makePlan(elem, building)
		size, n := elem.Size(), t.Len()
		p.fix = func(c *copier, dst, src unsafe.Pointer) {
			if ep.fix == nil {
				return
			}
			for i := 0; i < n; i++ {
				off := uintptr(i) * size
				ep.fix(c, unsafe.Add(dst, off), unsafe.Add(src, off))
			}
		}
	case reflect.Map:
		vp := makePlan(t.Elem(), building)
		p.fix = func(c *copier, dst, src unsafe.Pointer) {
			from := reflect.NewAt(t, src).Elem()
			if from.IsNil() {
				return
			}
			to := reflect.MakeMapWithSize(t, from.Len())
			it := from.MapRange()
			for it.Next() {
				v := reflect.New(t.Elem())
				v.Elem().Set(it.Value())
				if vp.fix != nil {
					orig := reflect.New(t.Elem())
					orig.Elem().Set(it.Value())
					vp.fix(c, v.UnsafePointer(), orig.UnsafePointer())
				}
				to.SetMapIndex(it.Key(), v.Elem())
			}
			reflect.NewAt(t, dst).Elem().Set(to)
		}
	case reflect.Interface:
		p.fix = func(c *copier, dst, src unsafe.Pointer) {
			from := reflect.NewAt(t, src).Elem()
			if from.IsNil() {
				return
			}
			dyn := from.Elem().Type()
			v := reflect.New(dyn)
			v.Elem().Set(from.Elem())
			orig := reflect.New(dyn)
			orig.Elem().Set(from.Elem())
			if dp := planFor(dyn); dp.fix != nil {
				dp.fix(c, v.UnsafePointer(), orig.UnsafePointer())
			}
			reflect.NewAt(t, dst).Elem().Set(v.Elem())
		}
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		// Shared: the model holds none.
	}
	return p
}
