package terraform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
)

// ecsContainer is one entry of an ECS task definition's container_definitions, with the
// fields the model reads (the API's JSON names).
type ecsContainer struct {
	Name         string   `json:"name"`
	Image        string   `json:"image"`
	EntryPoint   []string `json:"entryPoint"`
	Command      []string `json:"command"`
	Essential    *bool    `json:"essential"`
	StopTimeout  *int     `json:"stopTimeout"`
	PortMappings []struct {
		ContainerPort int    `json:"containerPort"`
		HostPort      int    `json:"hostPort"`
		Protocol      string `json:"protocol"`
	} `json:"portMappings"`
	Environment []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"environment"`
	// secrets and environmentFiles set environment variables from sources no502 cannot
	// read (Secrets Manager, SSM, an S3 .env file).
	Secrets []struct {
		Name string `json:"name"`
	} `json:"secrets"`
	EnvironmentFiles []json.RawMessage `json:"environmentFiles"`
	HealthCheck      *struct {
		Command  []string `json:"command"`
		Interval *int     `json:"interval"`
		Timeout  *int     `json:"timeout"`
		Retries  *int     `json:"retries"`
	} `json:"healthCheck"`
}

// jsonencodedLocal is the local that container_definitions = jsonencode(local.NAME)
// encodes, or nil for any other expression.
func (b *builder) jsonencodedLocal(expr hcl.Expression) *local {
	call, ok := expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "jsonencode" || len(call.Args) != 1 {
		return nil
	}
	ref, ok := call.Args[0].(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(ref.Traversal) != 2 || ref.Traversal.RootName() != "local" {
		return nil
	}
	name, ok := ref.Traversal[1].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	return b.mod.locals[name.Name]
}

// taskDefinition is the aws_ecs_task_definition of the run an ECS service runs, or nil.
func (b *builder) taskDefinition(svc *node) *resource {
	td := svc.attr("task_definition")
	if td == nil {
		return nil
	}
	for _, ref := range b.mod.refs(td.Expr) {
		if r := b.mod.byAddr[ref]; r != nil && r.typ == "aws_ecs_task_definition" {
			return r
		}
	}
	return nil
}

// ECS defaults: a container gets stopTimeout 30s between SIGTERM and SIGKILL (at most
// 120s on Fargate); a container health check runs every 30s, times out after 5s and
// marks the container unhealthy after 3 failures.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
const ecsDefaultStopTimeout = 30 * time.Second

// taskContainers reads the containers of the task definition an ECS service runs:
// container_definitions written with jsonencode([...]), as a JSON string or heredoc.
// A definition read from a file (file(), templatefile()) or built from values the run
// cannot know gives no containers and a note, never a guess.
func (b *builder) taskContainers(svc *node) []*parsers.Container {
	def := b.taskDefinition(svc)
	if def == nil {
		return nil
	}
	n := def.node
	a := n.attr("container_definitions")
	if a == nil {
		return nil
	}
	v := b.mod.value(a.Expr)
	if !v.IsWhollyKnown() || v.IsNull() || v.Type() != cty.String {
		if cs, ok := jsonencodeSyntaxContainers(n, a); ok {
			return cs
		}
		what := "values this run cannot know"
		if call := calledFunction(n.file.Src, a.Expr.Range()); call == "file" || call == "templatefile" {
			what = call + "()"
		}
		b.mod.m.Diags = append(b.mod.m.Diags, parsers.Notef(rangePos(n.file.Path, a.Range),
			"container_definitions of %s come from %s: its containers (app server, stopTimeout, health check) are not checked", def.addr, what))
		return nil
	}
	var defs []ecsContainer
	if err := json.Unmarshal([]byte(v.AsString()), &defs); err != nil {
		b.mod.m.Diags = append(b.mod.m.Diags, parsers.Notef(rangePos(n.file.Path, a.Range),
			"container_definitions of %s are not a JSON list of containers (%v): not checked", def.addr, err))
		return nil
	}
	loc := newJSONLocator(n.file.Path, n.file.Src, a.Expr.Range())
	if l := b.jsonencodedLocal(a.Expr); l != nil {
		// jsonencode(local.containers): the strings are written in the local, and a
		// finding belongs on the line there the user changes.
		loc = newJSONLocator(l.file.Path, l.file.Src, l.attr.Expr.Range())
	}
	written := jsonencodeContainers(n, a)
	var out []*parsers.Container
	for _, d := range defs {
		loc.enter(d.Name)
		c := &parsers.Container{Name: d.Name, Image: d.Image, Pos: loc.here, Env: map[string]parsers.Setting[string]{}}
		// entryPoint and command are Docker's ENTRYPOINT and CMD, as a pod's command and
		// args are: the app server is read from both, in that order.
		c.Command = d.EntryPoint
		c.Args = d.Command
		for _, s := range append(append([]string(nil), d.EntryPoint...), d.Command...) {
			c.ArgPos = append(c.ArgPos, loc.find(s))
		}
		for _, e := range d.Environment {
			at := loc.find(e.Name)
			c.Env[e.Name] = parsers.Set(e.Value, at, e.Name+"="+e.Value)
		}
		for _, s := range d.Secrets {
			c.Env[s.Name] = parsers.Setting[string]{Pos: loc.find(s.Name), Text: s.Name + " (secrets valueFrom)", Unknown: true}
		}
		if len(d.EnvironmentFiles) > 0 {
			// A variable environment sets wins over the files' (ECS): EnvVar reads so.
			c.EnvUnknownFrom = loc.find("environmentFiles")
		}
		for _, p := range d.PortMappings {
			c.Ports = append(c.Ports, parsers.ContainerPort{Port: p.ContainerPort, HostPort: p.HostPort, Protocol: strings.ToUpper(p.Protocol), Pos: c.Pos})
		}
		if hc := d.HealthCheck; hc != nil {
			if cmd := ecsHealthCommand(hc.Command); cmd != nil {
				c.Liveness = &parsers.Probe{Pos: loc.find(hc.Command[len(hc.Command)-1]), Handler: "exec", Command: cmd}
			}
		}
		c.StopTimeout = parsers.Def(ecsDefaultStopTimeout, "ECS default stopTimeout 30s")
		if d.StopTimeout != nil {
			v := time.Duration(*d.StopTimeout) * time.Second
			c.StopTimeout = parsers.Set(v, loc.find("stopTimeout"), fmt.Sprintf("stopTimeout %d", *d.StopTimeout))
			if cn := written[d.Name]; cn != nil && cn.attr("stopTimeout") != nil {
				if st := cn.secondsSetting("stopTimeout", 0, ""); st.Known() && st.Value == v {
					c.StopTimeout = st
				}
			}
		}
		c.App = appserver.Detect(c)
		out = append(out, c)
	}
	return out
}

// ecsHealthCommand is what a container health check runs, as an exec probe's command:
// ["CMD", "curl", ...] runs curl, ["CMD-SHELL", "curl ... || exit 1"] runs the string with
// /bin/sh -c (as Docker's HEALTHCHECK does); nil for anything else (NONE, or no command).
func ecsHealthCommand(cmd []string) []string {
	if len(cmd) < 2 {
		return nil
	}
	switch cmd[0] {
	case "CMD":
		return cmd[1:]
	case "CMD-SHELL":
		return []string{"/bin/sh", "-c", strings.Join(cmd[1:], " ")}
	}
	return nil
}

// stopTimeout is the longest stopTimeout of the serving containers: how long ECS waits
// after SIGTERM before it kills a task.
func (b *builder) stopTimeout(svc *node) parsers.Duration {
	td := svc.attr("task_definition")
	if td == nil {
		return parsers.Duration{Unknown: true}
	}
	for _, ref := range b.mod.refs(td.Expr) {
		r := b.mod.byAddr[ref]
		if r == nil || r.typ != "aws_ecs_task_definition" {
			continue
		}
		a := r.node.attr("container_definitions")
		if a == nil {
			break
		}
		v := b.mod.value(a.Expr)
		if !v.IsWhollyKnown() || v.IsNull() || v.Type() != cty.String {
			cs, ok := jsonencodeSyntaxContainers(r.node, a)
			if !ok {
				break
			}
			// The same choice as below: the longest written stopTimeout, else the default.
			best := parsers.Def(ecsDefaultStopTimeout, "ECS default stopTimeout 30s")
			for _, c := range cs {
				switch st := c.StopTimeout; {
				case st.Unknown:
					return parsers.Duration{Unknown: true}
				case st.Explicit() && (!best.Explicit() || st.Value > best.Value):
					best = st
				}
			}
			return best
		}
		var defs []ecsContainer
		if json.Unmarshal([]byte(v.AsString()), &defs) != nil {
			break
		}
		loc := newJSONLocator(r.node.file.Path, r.node.file.Src, a.Expr.Range())
		written := jsonencodeContainers(r.node, a)
		best := parsers.Def(ecsDefaultStopTimeout, "ECS default stopTimeout 30s")
		for _, d := range defs {
			loc.enter(d.Name)
			if d.StopTimeout != nil {
				v := time.Duration(*d.StopTimeout) * time.Second
				if !best.Explicit() || v > best.Value {
					best = parsers.Set(v, loc.find("stopTimeout"), fmt.Sprintf("stopTimeout %d", *d.StopTimeout))
					// Written in jsonencode(...): the attribute itself, which a fix can edit.
					if cn := written[d.Name]; cn != nil && cn.attr("stopTimeout") != nil {
						if st := cn.secondsSetting("stopTimeout", 0, ""); st.Known() && st.Value == v {
							best = st
						}
					}
				}
			}
		}
		return best
	}
	return parsers.Duration{Unknown: true}
}

// jsonencodeSyntaxContainers reads container_definitions = jsonencode([{...}, ...]) (the
// list written there or in the local it names) from its syntax when the encoded value is
// not wholly known. Real task definitions almost always hold values no plan-less run can
// know (image = "${aws_ecr_repository.app.repository_url}:latest", a log group's name, a
// database address in environment), and these do not decide what the app server does:
// each field the model reads is read on its own, and one it cannot know stays unknown
// (an environment value, stopTimeout) or is an open word (entryPoint, command). ok is
// false, and nothing is read, when the list or a container is not written as a
// constructor (merge(...), a for expression, a variable), or a container's name cannot be
// known: which container is served is then a guess. Port mappings the run cannot read
// leave the container's ports unknown (PortsUnknown).
func jsonencodeSyntaxContainers(n *node, a *hcl.Attribute) ([]*parsers.Container, bool) {
	call, ok := a.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "jsonencode" || len(call.Args) != 1 {
		return nil, false
	}
	expr, file := n.mod.resolveSyntax(call.Args[0], n.file, 0)
	list, ok := expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil, false
	}
	var out []*parsers.Container
	for _, el := range list.Exprs {
		cn := n.mod.objNode(el, file, el.Range())
		if cn == nil {
			return nil, false
		}
		foldKeys(cn, "name", "image", "entryPoint", "command", "environment", "secrets", "environmentFiles", "portMappings", "healthCheck", "stopTimeout")
		name := cn.strSetting("name", "", "")
		if !name.Known() {
			return nil, false
		}
		c := &parsers.Container{Name: name.Value, Pos: cn.pos, Env: map[string]parsers.Setting[string]{}}
		if img := cn.strSetting("image", "", ""); img.Known() {
			c.Image = img.Value
		}
		// entryPoint and command are Docker's ENTRYPOINT and CMD: the app server is read
		// from both, in that order. One the run cannot read may hold anything: an open
		// word, as "${EXTRA}" in a command line is, so the server's options are not guessed.
		for _, f := range []struct {
			name string
			dst  *[]string
		}{{"entryPoint", &c.Command}, {"command", &c.Args}} {
			vals, pos := cn.strListPos(f.name)
			if _, at, ok := cn.strList(f.name); at != nil && !ok {
				vals, pos = []string{"${" + f.name + "}"}, []parsers.Pos{rangePos(cn.file.Path, at.Range)}
			}
			*f.dst = vals
			c.ArgPos = append(c.ArgPos, pos...)
		}
		moduleEnv(cn, c)
		containerEnvSources(cn, c, "environmentFiles")
		if at := cn.attr("portMappings"); at != nil {
			// A mapping the run cannot read leaves the container read, with its ports
			// unknown (PortsUnknown): the app server and its keep-alive do not depend on
			// them, and what reads ports is silent about a port it cannot see.
			ports := cn.objectAttr("portMappings")
			var items []objItem
			if ports == nil {
				c.PortsUnknown = true
			} else {
				items = ports.items
			}
			for _, p := range items {
				if p.node == nil {
					c.PortsUnknown = true
					continue
				}
				foldKeys(p.node, "containerPort", "hostPort", "protocol")
				port := p.node.intSetting("containerPort", 0, "")
				host := p.node.intSetting("hostPort", 0, "")
				if !port.Known() || host.Unknown {
					c.PortsUnknown = true
					continue
				}
				proto := p.node.strSetting("protocol", "", "")
				c.Ports = append(c.Ports, parsers.ContainerPort{Port: port.Value, HostPort: host.Value, Protocol: strings.ToUpper(proto.Value), Pos: p.pos})
			}
		}
		if hc := cn.child("healthCheck"); hc != nil {
			foldKeys(hc, "command")
			if cmd, pos := hc.strListPos("command"); ecsHealthCommand(cmd) != nil {
				c.Liveness = &parsers.Probe{Pos: pos[len(pos)-1], Handler: "exec", Command: ecsHealthCommand(cmd)}
			}
		}
		c.StopTimeout = cn.secondsSetting("stopTimeout", ecsDefaultStopTimeout, "ECS default stopTimeout 30s")
		c.App = appserver.Detect(c)
		out = append(out, c)
	}
	return out, len(out) > 0
}

// foldKeys makes each of names reachable under that spelling when the object writes it
// in another case ("entrypoint", "healthcheck"): the provider decodes container
// definitions with Go's encoding/json, which matches keys without regard to case, as
// ecsContainer's decoding of a known value does. An exact spelling wins; of several
// others, the first in sorted order.
func foldKeys(n *node, names ...string) {
	for _, want := range names {
		if n.attrs[want] != nil {
			continue
		}
		var keys []string
		for k := range n.attrs {
			if strings.EqualFold(k, want) {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			continue
		}
		slices.Sort(keys)
		n.attrs[want] = n.attrs[keys[0]]
		if b := n.blocks[keys[0]]; b != nil {
			n.blocks[want] = b
		}
	}
}

// jsonencodeContainers reads container_definitions written as jsonencode([{...}, ...])
// in its syntax, each container as a node keyed by its name, so that its attributes
// keep their own positions; nil for any other form (a JSON string, a heredoc).
func jsonencodeContainers(n *node, a *hcl.Attribute) map[string]*node {
	call, ok := a.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "jsonencode" || len(call.Args) != 1 {
		return nil
	}
	list, ok := call.Args[0].(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil
	}
	out := map[string]*node{}
	for _, el := range list.Exprs {
		cn := n.mod.objNode(el, n.file, el.Range())
		if cn == nil {
			continue
		}
		if name := cn.strSetting("name", "", ""); name.Known() {
			out[name.Value] = cn
		}
	}
	return out
}

// jsonLocator finds the position of a string of container_definitions in the file: in
// jsonencode(...) HCL and in a JSON heredoc alike, a string value is written quoted as
// it is ("--keep-alive"), so a forward search from where its container starts finds it.
// A value built by interpolation is not found and gets the attribute's position.
type jsonLocator struct {
	file       string
	src        []byte
	start, end int
	cont       int // offset where the current container's search starts
	here       parsers.Pos
	attr       parsers.Pos
}

func newJSONLocator(file string, src []byte, r hcl.Range) *jsonLocator {
	l := &jsonLocator{file: file, src: src, start: r.Start.Byte, end: r.End.Byte, attr: rangePos(file, r)}
	if l.start < 0 || l.end > len(src) || l.start > l.end {
		l.start, l.end = 0, 0
	}
	l.cont = l.start
	return l
}

// enter moves to the container named name (found after the previous one).
func (l *jsonLocator) enter(name string) {
	l.here = l.attr
	if off := l.search(l.cont, name); off >= 0 {
		l.cont = off
		l.here = l.pos(off, len(strconv.Quote(name)))
	}
}

// find returns the position of s inside the current container, or the attribute's.
func (l *jsonLocator) find(s string) parsers.Pos {
	if off := l.search(l.cont, s); off >= 0 {
		return l.pos(off, len(strconv.Quote(s)))
	}
	return l.attr
}

func (l *jsonLocator) search(from int, s string) int {
	q := []byte(strconv.Quote(s))
	if from < l.start || from >= l.end {
		return -1
	}
	i := bytes.Index(l.src[from:l.end], q)
	if i < 0 {
		return -1
	}
	return from + i
}

func (l *jsonLocator) pos(off, n int) parsers.Pos {
	line, col := parsers.LineCol(l.src, off)
	eline, ecol := parsers.LineCol(l.src, off+n)
	return parsers.Pos{File: l.file, Line: int32(line), Col: int32(col), Offset: int32(off),
		EndLine: int32(eline), EndCol: int32(ecol), EndOffset: int32(off + n)}
}

// calledFunction names the function an expression's text starts with ("file" for
// `file("defs.json")`), or "".
func calledFunction(src []byte, r hcl.Range) string {
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte >= r.End.Byte {
		return ""
	}
	text := strings.TrimSpace(string(src[r.Start.Byte:r.End.Byte]))
	if i := strings.IndexByte(text, '('); i > 0 {
		return strings.TrimSpace(text[:i])
	}
	return ""
}

// taskHostPort returns a port of the container instance each task of def binds: in host
// network mode a mapped container port, in bridge mode a static hostPort (0 or none is a
// port Docker picks per task). It reads the containers when the run knows them, else the
// hostPort literals written in container_definitions = jsonencode(...): a definition that
// names a variable or a resource attribute (a log group's name) is not known as a whole,
// but `hostPort = 9090` is still what every task binds. awsvpc (Fargate) gives each task an
// address of its own: none.
func taskHostPort(def *node, containers []*parsers.Container, mode parsers.Setting[string]) parsers.Setting[int] {
	if !mode.Known() || mode.Value != "bridge" && mode.Value != "host" {
		return parsers.Setting[int]{}
	}
	unread := false
	for _, c := range containers {
		unread = unread || c.PortsUnknown
		for _, p := range c.Ports {
			if mode.Value == "host" && p.Port > 0 {
				return parsers.Set(p.Port, p.Pos, fmt.Sprintf("containerPort %d of container %s (network_mode host)", p.Port, c.Name))
			}
			if p.HostPort > 0 {
				return parsers.Set(p.HostPort, p.Pos, fmt.Sprintf("hostPort %d of container %s", p.HostPort, c.Name))
			}
		}
	}
	if len(containers) > 0 && !unread {
		return parsers.Setting[int]{}
	}
	a := def.attr("container_definitions")
	if a == nil {
		return parsers.Setting[int]{}
	}
	key := "hostPort"
	if mode.Value == "host" {
		key = "containerPort"
	}
	root, ok := a.Expr.(hclsyntax.Node) // a .tf.json file's expressions are not
	if !ok {
		return parsers.Setting[int]{}
	}
	var out parsers.Setting[int]
	hclsyntax.VisitAll(root, func(n hclsyntax.Node) hcl.Diagnostics {
		item, ok := n.(*hclsyntax.ObjectConsExpr)
		if !ok || out.Known() {
			return nil
		}
		for _, it := range item.Items {
			if k := hcl.ExprAsKeyword(it.KeyExpr); k != key {
				if kv, diags := it.KeyExpr.Value(nil); diags.HasErrors() || kv.Type() != cty.String || kv.AsString() != key {
					continue
				}
			}
			lit, ok := it.ValueExpr.(*hclsyntax.LiteralValueExpr)
			if !ok || lit.Val.Type() != cty.Number {
				continue
			}
			if bf := lit.Val.AsBigFloat(); bf.IsInt() {
				if v, _ := bf.Int64(); v > 0 {
					out = parsers.Set(int(v), rangePos(def.file.Path, it.ValueExpr.Range()), fmt.Sprintf("%s = %d", key, v))
				}
			}
		}
		return nil
	})
	return out
}
