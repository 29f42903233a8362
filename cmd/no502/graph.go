package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

func init() { subcommands = append(subcommands, newGraphCmd) }

func newGraphCmd(io.Reader) *cobra.Command {
	var format, config string
	cmd := &cobra.Command{
		Use:   "graph [PATH...]",
		Short: "Draw each request path: hops as nodes, the timeouts that meet on each edge, findings in red",
		Long: `Draw the request paths no502 linked across the files under PATH (default .):
Cloudflare, load balancers, proxies and ingresses, Services and workloads as nodes; each
edge labelled with the timeouts that meet there (how long the outer side waits for a
response, how long it keeps idle connections, the inner side's keep-alive). Nodes with
findings are red. --format mermaid (default) pastes into a GitHub comment; --format dot
renders with Graphviz (dot -Tsvg).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			format = strings.ToLower(format) // as lint --format
			if format != "mermaid" && format != "dot" {
				return usagef("unknown --format %q (want mermaid or dot)", format)
			}
			// Every finding colours its node: suppressions are for reports, not for
			// the picture of the request path.
			res, err := lint.Run(cmd.Context(), args, lint.Options{ConfigPath: config, NoIgnore: true})
			if err != nil {
				return lintError(err)
			}
			g := buildGraph(res.Model, res.Config, res.Findings)
			if format == "dot" {
				return g.dot(cmd.OutOrStdout())
			}
			return g.mermaid(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&format, "format", "mermaid", "output format: mermaid or dot")
	cmd.Flags().StringVar(&config, "config", "", "config file (default: .no502.yaml next to the paths or in a parent up to the git root, else in the current directory or a parent)")
	return cmd
}

// graph is the request paths as nodes and labelled edges.
type graph struct {
	nodes []*gnode
	edges []gedge
	ids   map[any]*gnode
}

type gnode struct {
	id, label, group string
	findings         []string // rule IDs
}

type gedge struct {
	from, to *gnode
	label    string
}

func (g *graph) node(key any, label, group string) *gnode {
	if n := g.ids[key]; n != nil {
		return n
	}
	n := &gnode{id: fmt.Sprintf("n%d", len(g.nodes)+1), label: label, group: group}
	g.ids[key] = n
	g.nodes = append(g.nodes, n)
	return n
}

func (g *graph) edge(from, to *gnode, label string) {
	for i, e := range g.edges {
		if e.from == from && e.to == to {
			if label != "" && !strings.Contains(e.label, label) {
				g.edges[i].label = strings.TrimPrefix(e.label+"\n"+label, "\n")
			}
			return
		}
	}
	g.edges = append(g.edges, gedge{from, to, label})
}

// buildGraph walks hops → backends → proxies and workloads. Backends are not nodes of
// their own: an edge goes from the hop to what serves it, labelled with the backend.
func buildGraph(m *parsers.Model, cfg *rules.Config, findings []rules.Finding) *graph {
	g := &graph{ids: map[any]*gnode{}}
	hopNode := func(h *parsers.Hop) *gnode {
		return g.node(h, fmt.Sprintf("%s %s\n%s", h.Kind.Label(), h.Name, m.HostPos(h.Pos).Short()), h.Format)
	}
	workloadNode := func(w *parsers.Workload) *gnode {
		label := fmt.Sprintf("%s %s", w.Kind, w.Name)
		if w.Replicas.Known() {
			label += fmt.Sprintf(" ×%d", w.Replicas.Value)
		}
		for _, c := range w.Containers {
			if c.App != nil {
				label += "\n" + c.App.Name
				if c.App.KeepAlive.Known() {
					label += " keep-alive " + parsers.Seconds(c.App.KeepAlive.Value)
				} else if c.App.Closes {
					label += " (closes connections)"
				}
			}
		}
		return g.node(w, label+"\n"+w.Pos.Short(), w.Format)
	}
	hops := append([]*parsers.Hop{}, m.Hops...)
	sort.SliceStable(hops, func(i, j int) bool { return m.HostPos(hops[i].Pos).String() < m.HostPos(hops[j].Pos).String() })
	for _, h := range hops {
		from := hopNode(h)
		if edge, ok := cfg.EdgeFor(h); ok {
			cf := g.node("cloudflare", "Cloudflare\nread timeout "+parsers.Seconds(cfg.EdgeLimit()), "edge")
			g.edge(cf, from, edge.Text)
		}
		for _, r := range h.Routes {
			be := r.Backend
			if be == nil || r.Respond != nil {
				continue
			}
			label := edgeLabel(h, r)
			served := false
			for _, in := range r.ReachedHops() {
				g.edge(from, hopNode(in), label+keepAliveLabel(in.ClientIdleTimeout))
				served = true
			}
			for _, w := range be.Workloads {
				if be.RunsHop(w) {
					continue
				}
				g.edge(from, workloadNode(w), label+appKeepAlive(be, w))
				served = true
			}
			if !served {
				g.edge(from, g.node(be, string(be.Kind)+" "+be.Name+"\n"+m.HostPos(be.Pos).Short(), "backend"), label)
			}
		}
	}
	for _, f := range findings {
		for _, n := range g.nodesAt(m, f.Pos) {
			n.findings = append(n.findings, f.Rule.ID)
		}
	}
	return g
}

// nodesAt finds the nodes whose definition holds pos (a finding's position).
func (g *graph) nodesAt(m *parsers.Model, pos parsers.Pos) []*gnode {
	var out []*gnode
	// A finding's position is in the host file, the model's in the embedded text (whose
	// offsets HostPos keeps).
	within := func(r parsers.Pos, p parsers.Pos) bool { return m.HostPos(r).Contains(p.File, int(p.Offset)) }
	samePlace := func(a, b parsers.Pos) bool { a = m.HostPos(a); return a.File == b.File && a.Line == b.Line }
	for key, n := range g.ids {
		switch k := key.(type) {
		case *parsers.Hop:
			if within(k.Block, pos) || samePlace(k.Pos, pos) {
				out = append(out, n)
			}
		case *parsers.Workload:
			if within(k.Block, pos) || samePlace(k.Pos, pos) {
				out = append(out, n)
			}
		case *parsers.Backend:
			if within(k.Block, pos) || samePlace(k.Pos, pos) {
				out = append(out, n)
			}
		}
	}
	// Findings in a backend's upstream{} (outside the hop's block) mark the hop that uses it.
	if len(out) == 0 {
		for key, n := range g.ids {
			if h, ok := key.(*parsers.Hop); ok {
				for _, r := range h.Routes {
					if r.Backend != nil && (within(r.Backend.Block, pos) || samePlace(r.Backend.Pos, pos)) {
						out = append(out, n)
						break
					}
				}
			}
		}
	}
	return out
}

// edgeLabel says how long the outer hop waits on this route and keeps idle upstream
// connections.
func edgeLabel(h *parsers.Hop, r *parsers.Route) string {
	var parts []string
	if r.Path != "" && r.Path != "/" {
		parts = append(parts, r.Path)
	}
	if r.ReadTimeout.Known() && r.ReadTimeout.Value > 0 {
		parts = append(parts, "read "+parsers.Seconds(r.ReadTimeout.Value))
	}
	if be := r.Backend; be.KeepAliveIdle.Known() && be.KeepAliveIdle.Value > 0 {
		parts = append(parts, "idle "+parsers.Seconds(be.KeepAliveIdle.Value))
	}
	return strings.Join(parts, ", ")
}

// keepAliveLabel adds the inner hop's own keep-alive, the other half of the comparison.
func keepAliveLabel(d parsers.Duration) string {
	if !d.Known() {
		return ""
	}
	return " → keep-alive " + parsers.Seconds(d.Value)
}

// appKeepAlive adds a workload's app-server keep-alive to an edge label.
func appKeepAlive(be *parsers.Backend, w *parsers.Workload) string {
	// The containers be's connections reach (the targetPort's, an ECS load_balancer's
	// container_name), not a sidecar behind another port.
	for _, a := range be.AppContainers(nil) {
		if a.Workload == w && a.Container.App.KeepAlive.Known() {
			return keepAliveLabel(a.Container.App.KeepAlive)
		}
	}
	return ""
}

func (n *gnode) text() string {
	s := n.label
	if len(n.findings) > 0 {
		s += "\n⚠ " + strings.Join(uniq(n.findings), ", ")
	}
	return s
}

func uniq(ss []string) []string {
	sort.Strings(ss)
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// mermaid writes a flowchart GitHub renders in comments and markdown files.
func (g *graph) mermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `"`, "#quot;")
		return strings.ReplaceAll(s, "\n", "<br/>")
	}
	for _, n := range g.nodes {
		fmt.Fprintf(&b, "    %s[\"%s\"]\n", n.id, esc(n.text()))
	}
	for _, e := range g.edges {
		if e.label == "" {
			fmt.Fprintf(&b, "    %s --> %s\n", e.from.id, e.to.id)
		} else {
			fmt.Fprintf(&b, "    %s -->|\"%s\"| %s\n", e.from.id, esc(e.label), e.to.id)
		}
	}
	b.WriteString("    classDef finding fill:#fdd,stroke:#c00,color:#900\n")
	for _, n := range g.nodes {
		if len(n.findings) > 0 {
			fmt.Fprintf(&b, "    class %s finding\n", n.id)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dot writes a Graphviz digraph (render with dot -Tsvg).
func (g *graph) dot(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph no502 {\n    rankdir=LR;\n    node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"Helvetica\", fontsize=10];\n    edge [fontname=\"Helvetica\", fontsize=9];\n")
	q := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\\`)
		s = strings.ReplaceAll(s, `"`, `\"`)
		return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"`
	}
	for _, n := range g.nodes {
		attrs := "label=" + q(n.text())
		if len(n.findings) > 0 {
			attrs += `, color="#cc0000", fillcolor="#ffdddd", fontcolor="#990000"`
		}
		fmt.Fprintf(&b, "    %s [%s];\n", n.id, attrs)
	}
	for _, e := range g.edges {
		fmt.Fprintf(&b, "    %s -> %s [label=%s];\n", e.from.id, e.to.id, q(e.label))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
