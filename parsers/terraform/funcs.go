package terraform

import (
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions is the curated table of Terraform functions the evaluator knows. Only pure
// functions are here: nothing that reads a file (file, templatefile, fileset, filebase64),
// resolves a path (abspath, pathexpand), or talks to the network. A call to any other
// function fails to evaluate, and the value it feeds becomes unknown: rules that need it
// stay silent instead of guessing. range and pow are left out too: range(1e9) or
// pow(10, 1e9) in a hostile config would make the linter allocate without bound.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"abs":        stdlib.AbsoluteFunc,
		"ceil":       stdlib.CeilFunc,
		"floor":      stdlib.FloorFunc,
		"max":        stdlib.MaxFunc,
		"min":        stdlib.MinFunc,
		"signum":     stdlib.SignumFunc,
		"parseint":   stdlib.ParseIntFunc,
		"format":     stdlib.FormatFunc,
		"formatlist": stdlib.FormatListFunc,
		"join":       stdlib.JoinFunc,
		"split":      stdlib.SplitFunc,
		"lower":      stdlib.LowerFunc,
		"upper":      stdlib.UpperFunc,
		"title":      stdlib.TitleFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"replace":    stdlib.ReplaceFunc,
		"substr":     stdlib.SubstrFunc,
		"concat":     stdlib.ConcatFunc,
		"merge":      stdlib.MergeFunc,
		"lookup":     stdlib.LookupFunc,
		"length":     stdlib.LengthFunc,
		"element":    stdlib.ElementFunc,
		"contains":   stdlib.ContainsFunc,
		"keys":       stdlib.KeysFunc,
		"values":     stdlib.ValuesFunc,
		"flatten":    stdlib.FlattenFunc,
		"distinct":   stdlib.DistinctFunc,
		"compact":    stdlib.CompactFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"zipmap":     stdlib.ZipmapFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"try":        tryfunc.TryFunc,
		"can":        tryfunc.CanFunc,
		"tonumber":   convertFunc(cty.Number),
		"tostring":   convertFunc(cty.String),
		"tobool":     convertFunc(cty.Bool),
	}
}

// convertFunc is Terraform's to<type> conversion, built on cty's converter.
func convertFunc(want cty.Type) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{
			Name:             "v",
			Type:             cty.DynamicPseudoType,
			AllowNull:        true,
			AllowDynamicType: true,
			AllowUnknown:     true,
		}},
		Type: function.StaticReturnType(want),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return convert.Convert(args[0], want)
		},
	})
}
