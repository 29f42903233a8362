// Package terraform reads Terraform configurations (.tf, .tf.json, .tfvars) that define
// AWS load balancers, target groups, ECS services and autoscaling groups, and turns them
// into the shared model.
//
// All files of one directory form one module. Expressions are evaluated where that can be
// done without touching the world: literals, variables (a root's: defaults, then
// terraform.tfvars, *.auto.tfvars, then --var-file; a local module's: the arguments of
// each call, which builds it once per call), locals, arithmetic, templates and a table of
// pure functions. Everything else (resource attributes, data sources, file reads) is unknown,
// and a setting whose value is unknown is marked so: rules stay silent rather than guess.
package terraform

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/no502/no502/parsers"
)

// Parse builds the model from every Terraform file of a run. Files are grouped by
// directory into modules; a syntax error in one file is reported as a positioned Diag and
// the rest of the module (and every other module) is still read.
func Parse(inputs []parsers.Input, opts parsers.Options) *parsers.Model {
	m := &parsers.Model{}
	varFileSet := map[string]bool{}
	for _, v := range opts.VarFiles {
		varFileSet[filepath.Clean(v)] = true
	}

	var globalVars []*parsers.File
	groups := map[string][]*parsers.File{}
	for _, in := range inputs {
		f := &parsers.File{Path: in.Path, Format: parsers.FormatTerraform, Src: in.Src}
		m.Files = append(m.Files, f)
		if in.Abs != "" && varFileSet[filepath.Clean(in.Abs)] {
			globalVars = append(globalVars, f)
			delete(varFileSet, filepath.Clean(in.Abs))
			continue
		}
		dir := filepath.Dir(in.Path)
		if in.Abs != "" {
			dir = filepath.Dir(in.Abs)
		}
		groups[dir] = append(groups[dir], f)
	}
	// --var-file arguments that were not among the inputs are read through the loader.
	for _, v := range opts.VarFiles {
		if !varFileSet[filepath.Clean(v)] || opts.ReadFile == nil {
			continue
		}
		display, src, err := opts.ReadFile(v)
		if err != nil {
			m.Diags = append(m.Diags, parsers.Errorf(parsers.Pos{File: v, Line: 1, Col: 1}, "cannot read var file: %v", err))
			continue
		}
		f := &parsers.File{Path: display, Format: parsers.FormatTerraform, Src: src}
		m.Files = append(m.Files, f)
		globalVars = append(globalVars, f)
	}

	dirs := make([]string, 0, len(groups))
	for d := range groups {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	// Without --var-file the run does not say which environment it lints, so a
	// variable that an environment's var file sets to another value is not known.
	var envFiles map[string][]*parsers.File
	if len(opts.VarFiles) == 0 {
		envFiles = environmentVarFiles(groups)
	}
	if !mentionsModules(groups) {
		// No module call anywhere: each directory is evaluated as it is read, so that its
		// syntax trees are garbage before the next one is parsed (1,000 target groups in
		// two directories: 47 MB peak instead of 62).
		for _, d := range dirs {
			mod := collectModule(m, groups[d])
			if evalModule(mod, groups[d], globalVars, envFiles[d], nil, false) {
				finishBuild(mod, groups[d])
			}
		}
		return m
	}
	// Every directory's blocks are read before any is evaluated: a directory that a module
	// call elsewhere uses as its source gets its inputs from that call, not from its
	// variables' defaults.
	mods := make([]*module, len(dirs))
	index := map[string]int{}
	for i, d := range dirs {
		mods[i] = collectModule(m, groups[d])
		index[d] = i
	}
	passed := passedInputs(dirs, mods)
	done := make([]bool, len(dirs))
	// Roots first; each root's local module calls then evaluate their directory once per
	// call, with that call's inputs, and so on down (a cycle or a depth past 8 stops).
	var visit func(i, depth int, stack map[int]bool)
	visit = func(i, depth int, stack map[int]bool) {
		if depth > 8 {
			return
		}
		caller := mods[i]
		caller.childOutputs, caller.childWorkloads, caller.childParts = nil, nil, nil
		for _, c := range callsInOutputOrder(caller.calls) {
			if !strings.HasPrefix(c.source, "./") && !strings.HasPrefix(c.source, "../") {
				continue
			}
			j, ok := index[filepath.Join(dirs[i], filepath.FromSlash(c.source))]
			if !ok || mods[j] == nil || stack[j] {
				continue
			}
			done[j] = true
			if !c.node.exists() {
				continue // count = 0 or an empty for_each: no instance
			}
			if !evalCall(mods[j], c, caller, groups[dirs[j]]) {
				continue
			}
			stack[j] = true
			visit(j, depth+1, stack)
			delete(stack, j)
			if !finishBuild(mods[j], groups[dirs[j]]) {
				continue
			}
			// After its own calls: an output may pass on one of theirs.
			mods[j].exportOutputs(caller, c.name)
		}
	}
	for i, d := range dirs {
		if _, child := passed[d]; child || mods[i] == nil {
			continue
		}
		if evalModule(mods[i], groups[d], globalVars, envFiles[d], nil, false) {
			visit(i, 0, map[int]bool{i: true})
			finishBuild(mods[i], groups[d])
		}
	}
	// A child no root reaches (its callers form a cycle) is read once, with the inputs
	// any call sets unknown.
	for i, d := range dirs {
		if _, child := passed[d]; child && !done[i] && evalModule(mods[i], groups[d], globalVars, nil, passed[d], true) {
			finishBuild(mods[i], groups[d])
		}
	}
	dedupDiags(m)
	return m
}

// evalCall evaluates the child module mod for call c of caller (module.evalCall),
// turning a panic into an error Diag on the child's first file; false when it panicked.
func evalCall(mod *module, c *call, caller *module, files []*parsers.File) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
			if len(files) > 0 {
				mod.m.Diags = append(mod.m.Diags, parsers.Errorf(parsers.Pos{File: files[0].Path, Line: 1, Col: 1}, "internal error while reading this Terraform module: %v", r))
			}
		}
	}()
	mod.evalCall(c, caller, mod.varFileNames(ownVarFiles(files)))
	return true
}

// finishBuild builds the rest of mod (module.buildFinish) once its local calls are built,
// turning a panic into an error Diag on its first file as evalModule does; false when it
// panicked.
func finishBuild(mod *module, files []*parsers.File) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
			mod.building = nil
			if len(files) > 0 {
				mod.m.Diags = append(mod.m.Diags, parsers.Errorf(parsers.Pos{File: files[0].Path, Line: 1, Col: 1}, "internal error while reading this Terraform module: %v", r))
			}
		}
	}()
	mod.buildFinish()
	return true
}

// dedupDiags drops repeated diagnostics: a module evaluated once per call notes the
// same thing once per call.
func dedupDiags(m *parsers.Model) {
	seen := map[parsers.Diag]bool{}
	out := m.Diags[:0]
	for _, d := range m.Diags {
		if seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, d)
	}
	m.Diags = out
}

// mentionsModules reports whether any file could hold a module call: one that does not
// contain the word is read and evaluated on its own.
func mentionsModules(groups map[string][]*parsers.File) bool {
	for _, files := range groups {
		for _, f := range files {
			if bytes.Contains(f.Src, []byte("module")) {
				return true
			}
		}
	}
	return false
}

// passedInputs maps each directory that is the local source ("./x", "../x") of a module
// call in one of mods to the names of the inputs any such call sets.
func passedInputs(dirs []string, mods []*module) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for i, mod := range mods {
		if mod == nil {
			continue
		}
		for _, c := range mod.calls {
			if !strings.HasPrefix(c.source, "./") && !strings.HasPrefix(c.source, "../") {
				continue
			}
			dir := filepath.Join(dirs[i], filepath.FromSlash(c.source))
			if out[dir] == nil {
				out[dir] = map[string]bool{}
			}
			for name := range c.node.attrs {
				out[dir][name] = true
			}
		}
	}
	return out
}

// collectModule reads one directory's files into a module (nil if the reading panics).
// A bug in the builder must not take down the run: it becomes an error Diag on the
// module's first file.
func collectModule(m *parsers.Model, files []*parsers.File) (mod *module) {
	defer func() {
		if r := recover(); r != nil && len(files) > 0 {
			mod = nil
			m.Diags = append(m.Diags, parsers.Errorf(parsers.Pos{File: files[0].Path, Line: 1, Col: 1}, "internal error while reading this Terraform module: %v", r))
		}
	}()
	mod = newModule(m)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for _, f := range files {
		name := filepath.Base(f.Path)
		switch {
		case name == "terraform.tfvars" || name == "terraform.tfvars.json",
			strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json"):
			// Read in evalModule.
		case strings.HasSuffix(name, ".tf.json"):
			mod.addFile(f, true)
		default:
			mod.addFile(f, false)
		}
	}
	mod.collect()
	return mod
}

// evalModule gives the variables of mod their values and starts building its resources
// into the model (buildStart; the caller finishes with finishBuild). passed names the variables a module call sets: their value is the caller's,
// which can differ per call, so they are unknown here (and a fix never edits their
// defaults, which change nothing deployed).
//
// child says a linted module call uses the directory as its source. Terraform sets only
// the root module's variables from -var-file, terraform.tfvars and *.auto.tfvars; a
// child's come from its module block or its defaults
// (https://developer.hashicorp.com/terraform/language/values/variables#assigning-values-to-root-module-variables).
// So the run's var files (given for the root) are not applied to a child, and the
// variables the child directory's own tfvars files set are unknown: those files load
// only when the directory is itself run as a root, so such a variable has two deployed
// values (the file's as a root, the default as a module).
//
// envFiles are the root's environment var files (environmentVarFiles), given when the run
// names none with --var-file: a variable one of them sets to another value than the one
// read here is unknown.
func evalModule(mod *module, files []*parsers.File, varFiles, envFiles []*parsers.File, passed map[string]bool, child bool) (ok bool) {
	if mod == nil {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			ok = false
			if len(files) > 0 {
				mod.m.Diags = append(mod.m.Diags, parsers.Errorf(parsers.Pos{File: files[0].Path, Line: 1, Col: 1}, "internal error while reading this Terraform module: %v", r))
			}
		}
	}()
	// Terraform's order: defaults, terraform.tfvars, *.auto.tfvars (lexical), -var-file.
	order := ownVarFiles(files)
	if child {
		mod.unknownVars(mod.varFileNames(order))
	} else {
		order = append(order, varFiles...)
		for _, f := range order {
			mod.applyVarFile(f)
		}
		mod.unknownEnvVars(envFiles)
	}
	mod.unknownVars(passed)
	mod.evalLocals()
	mod.buildStart() // buildFinish after the module's own calls (finishBuild)
	return true
}

// ownVarFiles returns the var files Terraform loads by itself from a root module's
// directory, in its order: terraform.tfvars, terraform.tfvars.json (both when both are
// there, the JSON one winning), then *.auto.tfvars and *.auto.tfvars.json (lexical;
// files are sorted by path). Other .tfvars files load only as -var-file
// (developer.hashicorp.com/terraform/language/values/variables, "Variable Definition
// Precedence"; terraform 1.11.4 console reads a variable from terraform.tfvars beside a
// terraform.tfvars.json that does not set it).
func ownVarFiles(files []*parsers.File) []*parsers.File {
	var autoVars []*parsers.File
	var tfvars, tfvarsJSON *parsers.File
	for _, f := range files {
		name := filepath.Base(f.Path)
		switch {
		case name == "terraform.tfvars":
			tfvars = f
		case name == "terraform.tfvars.json":
			tfvarsJSON = f
		case strings.HasSuffix(name, ".auto.tfvars") || strings.HasSuffix(name, ".auto.tfvars.json"):
			autoVars = append(autoVars, f)
		}
	}
	var order []*parsers.File
	for _, f := range []*parsers.File{tfvars, tfvarsJSON} {
		if f != nil {
			order = append(order, f)
		}
	}
	return append(order, autoVars...)
}

// isVarFile reports whether a file name is a Terraform var file (.tfvars, .tfvars.json).
func isVarFile(name string) bool {
	return strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json")
}

// autoVarFile reports whether Terraform loads a var file of a root module's own directory
// by itself: terraform.tfvars and *.auto.tfvars (and their .json forms).
func autoVarFile(name string) bool {
	return name == "terraform.tfvars" || name == "terraform.tfvars.json" ||
		strings.HasSuffix(name, ".auto.tfvars") || strings.HasSuffix(name, ".auto.tfvars.json")
}

// environmentVarFiles maps a configuration's directory to the var files that Terraform
// loads only when a command names them (-var-file=envs/prod.tfvars): every other .tfvars
// file in that directory, and those in directories below it that hold no configuration
// of their own (envs/, environments/prod/), whose nearest directory with .tf files is it.
// The common layout keeps one such file per environment, each setting its own values
// (https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files):
// which one a deploy uses is not in the files.
func environmentVarFiles(groups map[string][]*parsers.File) map[string][]*parsers.File {
	hasConfig := func(dir string) bool {
		for _, f := range groups[dir] {
			if !isVarFile(filepath.Base(f.Path)) {
				return true
			}
		}
		return false
	}
	out := map[string][]*parsers.File{}
	for dir, files := range groups {
		for _, f := range files {
			name := filepath.Base(f.Path)
			if !isVarFile(name) {
				continue
			}
			owner := ""
			if hasConfig(dir) {
				if autoVarFile(name) {
					continue
				}
				owner = dir
			} else {
				for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
					if hasConfig(d) {
						owner = d
						break
					}
					if d == filepath.Dir(d) {
						break
					}
				}
			}
			if owner != "" {
				out[owner] = append(out[owner], f)
			}
		}
	}
	for _, files := range out {
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	}
	return out
}

// parseHCL parses a file as native HCL or JSON and records its syntax errors.
func parseHCL(m *parsers.Model, f *parsers.File, isJSON bool) *hcl.File {
	var hf *hcl.File
	var diags hcl.Diagnostics
	if isJSON {
		hf, diags = hcljson.Parse(f.Src, f.Path)
	} else {
		hf, diags = hclsyntax.ParseConfig(f.Src, f.Path, hcl.InitialPos)
		f.Comments = comments(f)
		if hf != nil {
			if body, ok := hf.Body.(*hclsyntax.Body); ok {
				for _, b := range body.Blocks {
					r := b.Range()
					f.Blocks = append(f.Blocks, rangePos(f.Path, r))
				}
			}
		}
	}
	m.Diags = append(m.Diags, convertDiags(f.Path, diags)...)
	return hf
}

// comments lexes the comments of a native HCL file that holds a suppression
// (parsers.SuppressMarker). hclsyntax's parser does not hand out its tokens, and lexing
// every file a second time would cost a good part of a Terraform run for comments no one
// reads; the marker check is one byte search.
func comments(f *parsers.File) []parsers.Pos {
	if !bytes.Contains(f.Src, []byte(parsers.SuppressMarker)) {
		return nil
	}
	toks, _ := hclsyntax.LexConfig(f.Src, f.Path, hcl.InitialPos)
	var out []parsers.Pos
	for _, t := range toks {
		if t.Type != hclsyntax.TokenComment {
			continue
		}
		r := t.Range
		p := parsers.Pos{File: f.Path, Line: int32(r.Start.Line), Col: int32(r.Start.Column), Offset: int32(r.Start.Byte),
			EndLine: int32(r.End.Line), EndCol: int32(r.End.Column), EndOffset: int32(r.End.Byte)}
		if text := t.Bytes; !bytes.HasPrefix(text, []byte("/*")) {
			// A line comment's token takes its line ending; the comment ends before it.
			text = bytes.TrimRight(text, "\r\n")
			p.EndLine, p.EndOffset = p.Line, p.Offset+int32(len(text))
			p.EndCol = p.Col + int32(utf8.RuneCount(text))
		}
		out = append(out, p)
	}
	return out
}

// convertDiags turns hcl errors into positioned Diags (warnings are dropped: they are
// about Terraform language style, not about 502s).
func convertDiags(file string, diags hcl.Diagnostics) []parsers.Diag {
	var out []parsers.Diag
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		pos := parsers.Pos{File: file, Line: 1, Col: 1}
		if d.Subject != nil {
			pos = rangePos(file, *d.Subject)
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		out = append(out, parsers.Errorf(pos, "%s", msg))
	}
	return out
}

// rangePos converts an hcl range to a model position. file is the display path (hcl
// ranges carry the name given at parse time, which is the same).
func rangePos(file string, r hcl.Range) parsers.Pos {
	if file == "" {
		file = r.Filename
	}
	return parsers.Pos{
		File: file, Line: int32(r.Start.Line), Col: int32(r.Start.Column), Offset: int32(r.Start.Byte),
		EndLine: int32(r.End.Line), EndCol: int32(r.End.Column), EndOffset: int32(r.End.Byte),
	}
}

// attrText is an attribute as written, for messages: its first line, trimmed.
func attrText(src []byte, r hcl.Range) string {
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	s := string(src[r.Start.Byte:r.End.Byte])
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	return strings.TrimSpace(s)
}

// callsInOutputOrder orders a module's calls so that a call whose arguments read another
// call's outputs (tg_arn = module.alb.tg_arn) comes after that call: its instance is then
// built, and the target groups its outputs name can be linked (exportOutputs). Calls keep
// their file order otherwise; a cycle keeps it too.
func callsInOutputOrder(calls []*call) []*call {
	byName := map[string]*call{}
	for _, c := range calls {
		byName[c.name] = c
	}
	var out []*call
	state := map[*call]int{} // 1 visiting, 2 placed
	var place func(c *call)
	place = func(c *call) {
		if state[c] != 0 {
			return
		}
		state[c] = 1
		names := make([]string, 0, len(c.node.attrs))
		for name := range c.node.attrs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			for _, t := range c.node.attrs[name].Expr.Variables() {
				if t.RootName() != "module" || len(t) < 2 {
					continue
				}
				if a, ok := t[1].(hcl.TraverseAttr); ok {
					if dep := byName[a.Name]; dep != nil && dep != c {
						place(dep)
					}
				}
			}
		}
		state[c] = 2
		out = append(out, c)
	}
	for _, c := range calls {
		place(c)
	}
	return out
}
