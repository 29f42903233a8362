package terraform

import (
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/no502/no502/parsers"
)

// module is one directory's configuration while it is being read.
type module struct {
	m      *parsers.Model
	files  []*srcFile
	vars   map[string]*variable
	locals map[string]*local
	// resources and calls in file order (files sorted by path, blocks by offset).
	resources []*resource
	byAddr    map[string]*resource
	calls     []*call
	ctx       *hcl.EvalContext
	// perCall: the module is a child evaluated once per module call, with that call's
	// inputs (evalCall); defaults holds its variables as declared, restored before each.
	perCall  bool
	defaults map[string]variable
	// outputs are the directory's output blocks (name → value). built holds the target
	// groups and load balancers of the last build, by address; childOutputs, per local
	// module call of this instance, the ones each output of that call's instance names,
	// so that a sibling call passed module.NAME.OUTPUT gets them (outputWiring).
	outputs      map[string]hcl.Expression
	built        map[string]*parsers.Backend
	childOutputs map[string]map[string][]*parsers.Backend
	// childParts, per local call and output, the output's elements (outputParts).
	childParts map[string]map[string]map[string][]int
	// builtWorkloads are the last build's services and groups by address, and
	// childWorkloads, per local call, the ones each output of its instance names, so
	// that this instance's autoscaling targets and policies reach them (module.svc.name).
	builtWorkloads map[string]*parsers.Workload
	childWorkloads map[string]map[string][]*parsers.Workload
	// building is the builder between buildStart and buildFinish.
	building *builder
}

type srcFile struct {
	f    *parsers.File
	hf   *hcl.File
	json bool
}

// variable is a `variable` block and the value it ends up with.
type variable struct {
	name string
	ty   cty.Type // cty.DynamicPseudoType when no usable type constraint
	val  cty.Value
	// src is the attribute the value came from (the default, or a tfvars line); from
	// names it for messages ("its default", "terraform.tfvars").
	src  parsers.Pos
	from string
	// expr is the expression the value came from, so structured module inputs can be
	// walked with their positions.
	expr hcl.Expression
	// backends are the target groups (or load balancers) the caller's argument names
	// through another local module call's output: module.alb.tg_arn.
	backends []*parsers.Backend
}

// local is one entry of a locals block.
type local struct {
	name  string
	attr  *hcl.Attribute
	file  *parsers.File
	val   cty.Value
	state int // 0 new, 1 evaluating, 2 done
}

// resource is one resource block.
type resource struct {
	typ, name string
	addr      string
	node      *node
	json      bool
}

// shadowedIn reports whether the resource address addr is defined more than once in the
// module, first (the definition the module keeps) in another file than file, and again
// in file. Terraform refuses a module that defines one address twice, so the files are
// not one module: they are examples or fixtures linted together (terraform-provider-aws's
// docs examples and acceptance-test configs all name their target group
// aws_lb_target_group.test). A reference from file means its own file's definition, not
// the one kept, so it must not link to the kept one (session 17).
func (m *module) shadowedIn(addr, file string) bool {
	first := m.byAddr[addr]
	if first == nil || first.node.pos.File == file {
		return false
	}
	for _, r := range m.resources {
		if r.addr == addr && r != first && r.node.pos.File == file {
			return true
		}
	}
	return false
}

// call is one module block.
type call struct {
	name   string
	source string
	node   *node
}

func newModule(m *parsers.Model) *module {
	return &module{
		m:      m,
		vars:   map[string]*variable{},
		locals: map[string]*local{},
		byAddr: map[string]*resource{},
	}
}

var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "module", LabelNames: []string{"name"}},
		{Type: "output", LabelNames: []string{"name"}},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "type"}},
}

func (mod *module) addFile(f *parsers.File, isJSON bool) {
	hf := parseHCL(mod.m, f, isJSON)
	if hf == nil || hf.Body == nil {
		return
	}
	mod.files = append(mod.files, &srcFile{f: f, hf: hf, json: isJSON})
}

// collect reads the top-level blocks of every file: variables (with defaults), locals,
// resources and module calls.
func (mod *module) collect() {
	var overrides []*srcFile
	for _, sf := range mod.files {
		if isOverrideFile(sf.f.Path) {
			overrides = append(overrides, sf)
			continue
		}
		content, _, _ := sf.hf.Body.PartialContent(topSchema)
		if content == nil {
			continue
		}
		blocks := append(hcl.Blocks(nil), content.Blocks...)
		sort.SliceStable(blocks, func(i, j int) bool { return blocks[i].DefRange.Start.Byte < blocks[j].DefRange.Start.Byte })
		for _, b := range blocks {
			switch b.Type {
			case "variable":
				mod.addVariable(sf, b)
			case "locals":
				attrs, diags := b.Body.JustAttributes()
				if diags.HasErrors() && attrs == nil {
					continue
				}
				for name, a := range attrs {
					if _, dup := mod.locals[name]; dup {
						continue
					}
					mod.locals[name] = &local{name: name, attr: a, file: sf.f}
				}
			case "resource":
				typ, name := b.Labels[0], b.Labels[1]
				sch, ok := resourceSchemas[typ]
				if !ok {
					continue
				}
				r := &resource{typ: typ, name: name, addr: typ + "." + name, json: sf.json}
				r.node = mod.open(sf, b, sch)
				mod.resources = append(mod.resources, r)
				if _, dup := mod.byAddr[r.addr]; !dup {
					mod.byAddr[r.addr] = r
				}
			case "output":
				attrs, _ := b.Body.JustAttributes()
				if a := attrs["value"]; a != nil {
					if mod.outputs == nil {
						mod.outputs = map[string]hcl.Expression{}
					}
					mod.outputs[b.Labels[0]] = a.Expr
				}
			case "module":
				c := &call{name: b.Labels[0]}
				c.node = mod.open(sf, b, nil)
				if a := c.node.attrs["source"]; a != nil {
					if v, _ := a.Expr.Value(nil); v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
						c.source = v.AsString()
					}
				}
				mod.calls = append(mod.calls, c)
			}
		}
	}
	sort.SliceStable(overrides, func(i, j int) bool { return baseName(overrides[i].f.Path) < baseName(overrides[j].f.Path) })
	for _, sf := range overrides {
		mod.applyOverride(sf)
	}
	mod.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: functions()}
	mod.refreshVars()
}

// isOverrideFile reports whether path is a Terraform override file: override.tf,
// override.tf.json, or a name ending in _override.tf or _override.tf.json. Terraform
// reads them after the other files of the directory, in lexical order of their names,
// and merges each of their blocks into the block of the same address defined elsewhere
// (https://developer.hashicorp.com/terraform/language/files/override).
func isOverrideFile(path string) bool {
	b := baseName(path)
	b = strings.TrimSuffix(b, ".json")
	return b == "override.tf" || strings.HasSuffix(b, "_override.tf")
}

// applyOverride merges the blocks of override file sf into the module's, as Terraform
// does: an attribute replaces the original's (its position is then in the override file,
// where a fix must change it), nested blocks of a type replace every block of that type
// in the original, a variable's default replaces the default, a local or an output
// replaces the one of that name. A block with no original is an error in Terraform
// ("Missing base ...") and is not read. (session 18: an override.tf setting
// deregistration_delay was not read; the rule judged main.tf's value, and the fix
// changed main.tf, which Terraform then overrides.)
func (mod *module) applyOverride(sf *srcFile) {
	content, _, _ := sf.hf.Body.PartialContent(topSchema)
	if content == nil {
		return
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			v := mod.vars[b.Labels[0]]
			if v == nil {
				continue
			}
			c, _, _ := b.Body.PartialContent(variableSchema)
			if c == nil {
				continue
			}
			if t := c.Attributes["type"]; t != nil && !sf.json {
				if ty, diags := typeexpr.TypeConstraint(t.Expr); !diags.HasErrors() {
					v.ty = ty
				}
			}
			if d := c.Attributes["default"]; d != nil {
				if val, diags := d.Expr.Value(nil); !diags.HasErrors() && !val.IsNull() {
					v.val, v.src, v.from, v.expr = mod.typed(v, val), rangePos(sf.f.Path, d.Range), "its default", d.Expr
				} else {
					v.val, v.src, v.from, v.expr = cty.DynamicVal, parsers.Pos{}, "", nil
				}
			}
		case "locals":
			attrs, _ := b.Body.JustAttributes()
			for name, a := range attrs {
				if mod.locals[name] != nil {
					mod.locals[name] = &local{name: name, attr: a, file: sf.f}
				}
			}
		case "output":
			attrs, _ := b.Body.JustAttributes()
			if a := attrs["value"]; a != nil && mod.outputs[b.Labels[0]] != nil {
				mod.outputs[b.Labels[0]] = a.Expr
			}
		case "resource":
			r := mod.byAddr[b.Labels[0]+"."+b.Labels[1]]
			if r == nil {
				continue
			}
			r.node.override(mod.open(sf, b, resourceSchemas[r.typ]))
		case "module":
			for _, c := range mod.calls {
				if c.name == b.Labels[0] {
					c.node.override(mod.open(sf, b, nil))
					if a := c.node.attrs["source"]; a != nil {
						if v, _ := a.Expr.Value(nil); v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
							c.source = v.AsString()
						}
					}
				}
			}
		}
	}
}

func (mod *module) addVariable(sf *srcFile, b *hcl.Block) {
	name := b.Labels[0]
	if _, dup := mod.vars[name]; dup {
		return
	}
	v := &variable{name: name, ty: cty.DynamicPseudoType, val: cty.DynamicVal}
	mod.vars[name] = v
	content, _, _ := b.Body.PartialContent(variableSchema)
	if content == nil {
		return
	}
	if t := content.Attributes["type"]; t != nil && !sf.json {
		if ty, diags := typeexpr.TypeConstraint(t.Expr); !diags.HasErrors() {
			v.ty = ty
		}
	}
	if d := content.Attributes["default"]; d != nil {
		// Defaults are constants in Terraform: no variables, no functions.
		val, diags := d.Expr.Value(nil)
		if !diags.HasErrors() && !val.IsNull() {
			v.val, v.src, v.from, v.expr = mod.typed(v, val), rangePos(sf.f.Path, d.Range), "its default", d.Expr
		}
	}
}

// typed converts val to the variable's declared type where that works (a tfvars "300"
// for a number variable), as Terraform does.
func (mod *module) typed(v *variable, val cty.Value) cty.Value {
	if v.ty == cty.DynamicPseudoType {
		return val
	}
	if c, err := convert.Convert(val, v.ty); err == nil {
		return c
	}
	return val
}

// applyVarFile overrides variable values with a tfvars file's (which must be constants).
func (mod *module) applyVarFile(f *parsers.File) {
	isJSON := len(f.Path) > 5 && f.Path[len(f.Path)-5:] == ".json"
	hf := parseHCL(mod.m, f, isJSON)
	if hf == nil || hf.Body == nil {
		return
	}
	attrs, _ := hf.Body.JustAttributes()
	for name, a := range attrs {
		v := mod.vars[name]
		if v == nil {
			continue
		}
		val, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			continue
		}
		v.val, v.src, v.from, v.expr = mod.typed(v, val), rangePos(f.Path, a.Range), baseName(f.Path), a.Expr
	}
	mod.refreshVars()
}

// unknownEnvVars makes unknown the variables that an environment's var file (one Terraform
// loads only with -var-file) sets to another value than the one read so far: the value
// deployed depends on the environment, which the run does not name. Each such file gets
// a note that says which variables went unchecked and how to check one environment.
func (mod *module) unknownEnvVars(files []*parsers.File) {
	names := map[string]bool{}
	for _, f := range files {
		isJSON := strings.HasSuffix(f.Path, ".json")
		hf := parseHCL(mod.m, f, isJSON)
		if hf == nil || hf.Body == nil {
			continue
		}
		attrs, _ := hf.Body.JustAttributes()
		var differ []string
		var first *hcl.Attribute
		for name, a := range attrs {
			v := mod.vars[name]
			if v == nil || !v.val.IsWhollyKnown() {
				continue
			}
			if val, diags := a.Expr.Value(nil); !diags.HasErrors() && mod.typed(v, val).RawEquals(v.val) {
				continue
			}
			differ = append(differ, "var."+name)
			names[name] = true
			if first == nil || a.Range.Start.Byte < first.Range.Start.Byte {
				first = a
			}
		}
		if first == nil {
			continue
		}
		sort.Strings(differ)
		mod.m.Diags = append(mod.m.Diags, parsers.Notef(rangePos(f.Path, first.Range),
			"%s sets %s to another value than the default (or terraform.tfvars) this run reads: Terraform reads the file only when a command names it (-var-file), so the deployed value depends on the environment, and the settings that read it are not checked; lint one environment with --var-file %s",
			f.Path, strings.Join(differ, ", "), f.Path))
	}
	mod.unknownVars(names)
}

// varFileNames returns the names of the module's variables the var files set.
func (mod *module) varFileNames(files []*parsers.File) map[string]bool {
	names := map[string]bool{}
	for _, f := range files {
		isJSON := len(f.Path) > 5 && f.Path[len(f.Path)-5:] == ".json"
		hf := parseHCL(mod.m, f, isJSON)
		if hf == nil || hf.Body == nil {
			continue
		}
		attrs, _ := hf.Body.JustAttributes()
		for name := range attrs {
			if mod.vars[name] != nil {
				names[name] = true
			}
		}
	}
	return names
}

func (mod *module) refreshVars() {
	obj := map[string]cty.Value{}
	for name, v := range mod.vars {
		obj[name] = v.val
	}
	mod.ctx.Variables["var"] = cty.ObjectVal(obj)
}

// evalLocals evaluates every local in dependency order. A local in a reference cycle,
// or one that depends on something unknown, is unknown.
func (mod *module) evalLocals() {
	names := make([]string, 0, len(mod.locals))
	for n := range mod.locals {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		mod.evalLocal(mod.locals[n], 0)
	}
	mod.refreshLocals()
}

func (mod *module) evalLocal(l *local, depth int) cty.Value {
	switch l.state {
	case 2:
		return l.val
	case 1:
		return cty.DynamicVal // a cycle
	}
	if depth > 200 {
		return cty.DynamicVal
	}
	l.state = 1
	for _, t := range l.attr.Expr.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			if dep := mod.locals[a.Name]; dep != nil {
				mod.evalLocal(dep, depth+1)
			}
		}
	}
	mod.refreshLocals()
	l.val = mod.value(l.attr.Expr)
	l.state = 2
	return l.val
}

func (mod *module) refreshLocals() {
	obj := map[string]cty.Value{}
	for name, l := range mod.locals {
		if l.state == 2 {
			obj[name] = l.val
		} else {
			obj[name] = cty.DynamicVal
		}
	}
	mod.ctx.Variables["local"] = cty.ObjectVal(obj)
}

// value evaluates expr. Names the context does not hold (resources, data sources,
// count, each, path, module) evaluate to unknown; any error makes the value unknown.
func (mod *module) value(expr hcl.Expression) (v cty.Value) {
	return mod.valueWith(expr, nil)
}

// valueWith is value with the names of bind set (a for expression's key and value
// variables, for one element).
func (mod *module) valueWith(expr hcl.Expression, bind map[string]cty.Value) (v cty.Value) {
	defer func() {
		// cty panics on a few malformed inputs (deep marks, odd conversions); an
		// expression that makes it panic is simply unknown.
		if r := recover(); r != nil {
			v = cty.DynamicVal
		}
	}()
	ctx := mod.ctx
	var extra map[string]cty.Value
	for name, v := range bind {
		if extra == nil {
			extra = map[string]cty.Value{}
		}
		extra[name] = v
	}
	for _, t := range expr.Variables() {
		root := t.RootName()
		if _, ok := ctx.Variables[root]; ok && bind == nil {
			continue
		}
		if _, ok := extra[root]; ok {
			continue
		}
		if _, ok := ctx.Variables[root]; ok {
			continue
		}
		if extra == nil {
			extra = map[string]cty.Value{}
		}
		extra[root] = cty.DynamicVal
	}
	if extra != nil {
		ctx = ctx.NewChild()
		ctx.Variables = extra
	}
	val, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.DynamicVal
	}
	return val
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}

// callMeta are the module block's meta-arguments, which are not inputs.
var callMeta = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "providers": true, "depends_on": true}

// evalCall gives the child module mod the inputs of call c (evaluated in the caller's
// context: a value the caller cannot know, such as each.value, is unknown) and starts
// building its resources (buildStart; Parse finishes it), once per call: Terraform instantiates a module per module block, each
// with its own inputs (https://developer.hashicorp.com/terraform/language/modules/syntax).
// Variables the call does not set keep their defaults. own names the variables the
// child directory's own tfvars files set: unknown (see evalModule).
func (mod *module) evalCall(c *call, caller *module, own map[string]bool) {
	if mod.defaults == nil {
		mod.defaults = map[string]variable{}
		for name, v := range mod.vars {
			mod.defaults[name] = *v
		}
	}
	for name, v := range mod.defaults {
		*mod.vars[name] = v
	}
	mod.perCall = true
	for name, a := range c.node.attrs {
		v := mod.vars[name]
		if v == nil || callMeta[name] {
			continue
		}
		val := caller.value(a.Expr)
		from := "module." + c.name
		var o origin
		caller.originOf(a.Expr, &o, 0)
		if len(o.notes) > 0 {
			// The argument reads the caller's variables or locals: say where they come
			// from too ("from module.tg (var.delay = 0 from module.a, main.tf:4)").
			from += " (" + strings.Join(o.notes, "; ") + ")"
		}
		v.val, v.src, v.from, v.expr = mod.typed(v, val), rangePos(c.node.file.Path, a.Range), from, nil
		v.backends = caller.passedBackends(a.Expr)
		if len(v.backends) > 0 && !v.val.IsKnown() && (v.ty == cty.String || endsInARN(a.Expr)) {
			// A target group's or load balancer's ARN: not known before apply, but
			// never null or "" (var.tg != "" ? [1] : [] generates its block).
			v.val = cty.UnknownVal(cty.String).Refine().NotNull().StringPrefixFull("arn:").NewValue()
		}
		if len(a.Expr.Variables()) == 0 {
			// Structured inputs are walked through v.expr in the child's scope
			// (resolveSyntax): only a constant reads the same there.
			v.expr = a.Expr
		}
	}
	mod.refreshVars()
	mod.unknownVars(own)
	for _, l := range mod.locals {
		l.state, l.val = 0, cty.NilVal
	}
	mod.evalLocals()
	mod.buildStart() // buildFinish once this instance's own calls are built (Parse)
}

// endsInARN reports whether expr reads an arn attribute (aws_lb_target_group.app.arn,
// module.alb.target_groups["web"].arn): one ARN, a string.
func endsInARN(expr hcl.Expression) bool {
	tr, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(tr.Traversal) == 0 {
		return false
	}
	a, ok := tr.Traversal[len(tr.Traversal)-1].(hcl.TraverseAttr)
	return ok && a.Name == "arn"
}

// unknownVars makes the named variables unknown, with no source to edit.
func (mod *module) unknownVars(names map[string]bool) {
	if len(names) == 0 {
		return
	}
	for name := range names {
		if v := mod.vars[name]; v != nil {
			*v = variable{name: v.name, ty: v.ty, val: cty.DynamicVal}
		}
	}
	mod.refreshVars()
}

// outputBackends are the target groups and load balancers expr names through the
// outputs of this instance's local module calls (module.alb.tg_arn), the variables it
// was passed such names in, and the locals that hold them.
func (mod *module) outputBackends(expr hcl.Expression, depth int) []*parsers.Backend {
	if expr == nil || depth > 10 {
		return nil
	}
	var out []*parsers.Backend
	var picks map[hcl.Range]string
	for _, t := range expr.Variables() {
		if len(t) < 2 {
			continue
		}
		a, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		switch t.RootName() {
		case "module":
			if len(t) < 3 {
				continue
			}
			if o, ok := t[2].(hcl.TraverseAttr); ok && len(mod.childOutputs[a.Name][o.Name]) > 0 {
				if picks == nil {
					picks = mod.outputPicks(expr)
				}
				for _, i := range mod.picked(a.Name, o.Name, picks[t.SourceRange()]) {
					out = append(out, mod.childOutputs[a.Name][o.Name][i])
				}
			}
		case "var":
			if v := mod.vars[a.Name]; v != nil {
				out = append(out, v.backends...)
			}
		case "local":
			if l := mod.locals[a.Name]; l != nil {
				out = append(out, mod.outputBackends(l.attr.Expr, depth+1)...)
			}
		}
	}
	return out
}

// passedBackends are the target groups and load balancers a module call's argument
// names: the caller's own (aws_lb_target_group.app.arn, module.alb.target_group_arns[0]
// of a terraform-aws-modules/alb call, built by buildStart) and those of its other local
// calls' outputs (outputBackends).
func (mod *module) passedBackends(expr hcl.Expression) []*parsers.Backend {
	var out []*parsers.Backend
	seen := map[*parsers.Backend]bool{}
	add := func(be *parsers.Backend) {
		if be != nil && !seen[be] {
			seen[be] = true
			out = append(out, be)
		}
	}
	for _, ref := range mod.refs(expr) {
		add(mod.built[ref])
	}
	for _, be := range mod.outputBackends(expr, 0) {
		add(be)
	}
	return out
}

// exportOutputs records, in the caller's instance, what each output of this freshly
// built instance (of the caller's call named call) names: its own target groups and load
// balancers, and those its own calls' outputs and its variables carry.
func (mod *module) exportOutputs(caller *module, call string) {
	if len(mod.outputs) == 0 {
		return
	}
	if caller.childOutputs == nil {
		caller.childOutputs = map[string]map[string][]*parsers.Backend{}
	}
	outs := map[string][]*parsers.Backend{}
	for name, expr := range mod.outputs {
		var bes []*parsers.Backend
		for _, ref := range mod.refs(expr) {
			if be := mod.built[ref]; be != nil {
				bes = append(bes, be)
			}
		}
		bes = append(bes, mod.outputBackends(expr, 0)...)
		seen := map[*parsers.Backend]bool{}
		for _, be := range bes {
			if !seen[be] {
				seen[be] = true
				outs[name] = append(outs[name], be)
			}
		}
	}
	caller.childOutputs[call] = outs
	if caller.childParts == nil {
		caller.childParts = map[string]map[string]map[string][]int{}
	}
	parts := map[string]map[string][]int{}
	for name, expr := range mod.outputs {
		parts[name] = mod.outputParts(expr, outs[name])
	}
	caller.childParts[call] = parts
	if caller.childWorkloads == nil {
		caller.childWorkloads = map[string]map[string][]*parsers.Workload{}
	}
	ws := map[string][]*parsers.Workload{}
	for name, expr := range mod.outputs {
		for _, ref := range mod.refs(expr) {
			if w := mod.builtWorkloads[ref]; w != nil && !slices.Contains(ws[name], w) {
				ws[name] = append(ws[name], w)
			}
		}
	}
	caller.childWorkloads[call] = ws
}
