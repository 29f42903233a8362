package load

import (
	"reflect"

	"github.com/no502/no502/parsers"
)

var posType = reflect.TypeOf(parsers.Pos{})

// mapPositions rewrites every position in m that points into the embedded text e so that
// it points into the host file instead: the user edits the ConfigMap, not a virtual file.
// Byte ranges (Block) and offsets keep pointing into the virtual file, whose text is in
// m.Files, so fix snippets can still cut blocks out of it.
//
// It walks the model by reflection so that a field added to the model later is mapped
// too; pointers are visited once, as the model has cycles (Hop → Route → Hop).
func mapPositions(m *parsers.Model, e parsers.Embedded) {
	seen := map[uintptr]bool{}
	var visit func(v reflect.Value)
	visit = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			visit(v.Elem())
		case reflect.Struct:
			if v.Type() == posType {
				if v.CanSet() {
					p := v.Interface().(parsers.Pos)
					if p.File == e.Path {
						v.Set(reflect.ValueOf(mapPos(p, e)))
					}
				}
				return
			}
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					visit(v.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
				return // file contents
			}
			for i := 0; i < v.Len(); i++ {
				visit(v.Index(i))
			}
		case reflect.Map:
			// Map values are not addressable: copy, map, store back.
			for _, k := range v.MapKeys() {
				val := v.MapIndex(k)
				cp := reflect.New(val.Type()).Elem()
				cp.Set(val)
				visit(cp)
				v.SetMapIndex(k, cp)
			}
		case reflect.Interface:
			if !v.IsNil() {
				visit(v.Elem())
			}
		}
	}
	visit(reflect.ValueOf(m))
}

func mapPos(p parsers.Pos, e parsers.Embedded) parsers.Pos {
	col := func(line, col int32) int32 {
		if line == 1 {
			return int32(e.Col) + col - 1
		}
		return int32(e.Indent) + col
	}
	out := p
	out.File = e.Host
	out.Line = int32(e.Line) + p.Line - 1
	out.Col = col(p.Line, p.Col)
	if p.EndLine > 0 {
		out.EndLine = int32(e.Line) + p.EndLine - 1
		out.EndCol = col(p.EndLine, p.EndCol)
	}
	// Offsets stay those of the virtual text (m.Files holds it under e.Path, with Host set):
	// fix code cuts blocks out of that text, and treats a position in the host file as
	// one in the virtual file it embeds.
	return out
}
