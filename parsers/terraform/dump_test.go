package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func TestDumpTmp(t *testing.T) {
	dir := os.Getenv("TFDUMP")
	if dir == "" {
		t.Skip()
	}
	var ins []parsers.Input
	fs, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range fs {
		src, _ := os.ReadFile(f)
		ins = append(ins, parsers.Input{Path: f, Abs: f, Src: src})
	}
	m := Parse(ins, parsers.Options{})
	t.Log("\n" + DumpModel(m))
}

func sd[T any](s parsers.Setting[T]) string {
	if s.Unknown {
		return "UNKNOWN(" + s.Text + ")"
	}
	if !s.Known() {
		return "-"
	}
	return fmt.Sprintf("%v [%s]", s.Value, s.Describe())
}

func DumpModel(m *parsers.Model) string {
	var b strings.Builder
	for _, d := range m.Diags {
		fmt.Fprintf(&b, "DIAG %s\n", d)
	}
	for _, h := range m.Hops {
		fmt.Fprintf(&b, "HOP %s %s idle=%s edge=%s\n", h.Kind, h.Name, sd(h.ClientIdleTimeout), sd(h.Edge))
		for _, r := range h.Routes {
			be := "-"
			if r.Backend != nil {
				be = r.Backend.Name
			}
			resp := ""
			if r.Respond != nil {
				resp = " respond=" + sd(r.Respond.Status)
			}
			fmt.Fprintf(&b, "  ROUTE %s (%s) read=%s -> %s%s @%s\n", r.Path, r.PathKind, sd(r.ReadTimeout), be, resp, r.Pos.Short())
		}
	}
	for _, be := range m.Backends {
		fmt.Fprintf(&b, "BACKEND %s %s dereg=%s keepalive=%s targets=%d\n", be.Kind, be.Name, sd(be.DeregistrationDelay), sd(be.KeepAliveIdle), len(be.Targets))
		if hc := be.Health; hc != nil {
			fmt.Fprintf(&b, "  HEALTH enabled=%s proto=%s path=%s interval=%s timeout=%s healthy=%s unhealthy=%s matcher=%s\n", sd(hc.Enabled), sd(hc.Protocol), sd(hc.Path), sd(hc.Interval), sd(hc.Timeout), sd(hc.HealthyThreshold), sd(hc.UnhealthyThreshold), sd(hc.Matcher))
		}
		for _, w := range be.Workloads {
			fmt.Fprintf(&b, "  SERVED BY %s\n", w.Name)
		}
	}
	for _, w := range m.Workloads {
		fmt.Fprintf(&b, "WORKLOAD %s %s served=%v replicas=%s min=%s minhealthy=%s max=%s strategy=%s hct=%s\n", w.Kind, w.Name, w.Served, sd(w.Replicas), sd(w.MinReplicas), sd(w.MinHealthyPercent), sd(w.MaxPercent), sd(w.Strategy), sd(w.HealthCheckType))
	}
	return b.String()
}
