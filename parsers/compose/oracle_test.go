package compose

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// composeGo is the oracle: compose-go, docker compose's own loader, reading the same
// files with the same variables. It is a test-only dependency (see docs/decisions.md).
func composeGo(t *testing.T, dir string, files []string, env map[string]string) (*types.Project, error) {
	t.Helper()
	var cfs []types.ConfigFile
	for _, f := range files {
		cfs = append(cfs, types.ConfigFile{Filename: f})
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: cfs,
		Environment: env,
	}, func(o *loader.Options) {
		o.SetProjectName("oracle", true)
		o.SkipValidation = true
		o.SkipConsistencyCheck = true
		o.SkipNormalization = true
		o.ResolvePaths = true
		o.SkipResolveEnvironment = true // env_file: entries are not read by our parser
		o.Profiles = []string{"*"}      // we keep every service, with its profiles
	})
}

// diffOracle compares the services of our project with compose-go's, attribute by
// attribute, skipping values we hold as unknown (compose-go substitutes "" for an unset
// variable) and the differences the package documentation lists.
func diffOracle(ours *Project, theirs *types.Project) []string {
	var out []string
	bad := func(svc, attr string, ours, theirs any) {
		out = append(out, fmt.Sprintf("%s.%s: ours %v, compose-go %v", svc, attr, ours, theirs))
	}
	if len(ours.Services) != len(theirs.Services) {
		var names []string
		for _, s := range ours.Services {
			names = append(names, s.Name)
		}
		out = append(out, fmt.Sprintf("services: ours %v, compose-go %v", names, theirs.ServiceNames()))
	}
	for _, s := range ours.Services {
		ts, ok := theirs.Services[s.Name]
		if !ok {
			continue
		}
		n := s.Name
		if !s.Image.Unknown && s.Image.Value != ts.Image {
			bad(n, "image", s.Image.Value, ts.Image)
		}
		for _, c := range []struct {
			name   string
			ours   Command
			theirs []string
		}{{"command", s.Command, ts.Command}, {"entrypoint", s.Entrypoint, ts.Entrypoint}} {
			if c.ours.Args.Unknown || c.ours.Shell && strings.ContainsAny(c.ours.Args.Text, ";&|<>()`") {
				continue // go-shellwords stops at shell operators (see doc.go)
			}
			if !slices.Equal(c.ours.Args.Value, c.theirs) && !(len(c.ours.Args.Value) == 0 && len(c.theirs) == 0) {
				bad(n, c.name, fmt.Sprintf("%q", c.ours.Args.Value), fmt.Sprintf("%q", c.theirs))
			}
		}
		if len(s.Environment) != len(ts.Environment) {
			bad(n, "environment", len(s.Environment), len(ts.Environment))
		}
		for k, v := range s.Environment {
			tv, ok := ts.Environment[k]
			switch {
			case !ok:
				bad(n, "environment."+k, v.Value, "absent")
			case v.Unknown:
			case tv == nil || *tv != v.Value:
				bad(n, "environment."+k, v.Value, deref(tv))
			}
		}
		if len(s.Labels) != len(ts.Labels) {
			bad(n, "labels", len(s.Labels), len(ts.Labels))
		}
		for k, v := range s.Labels {
			if tv, ok := ts.Labels[k]; !v.Unknown && (!ok || tv != v.Value) {
				bad(n, "labels."+k, v.Value, tv)
			}
		}
		var ourPorts, theirPorts []string
		unknownPort := false
		for _, p := range s.Ports {
			unknownPort = unknownPort || p.Unknown
			for t := p.Target; t <= p.TargetEnd && !p.Unknown; t++ {
				ourPorts = append(ourPorts, fmt.Sprintf("%d/%s", t, p.Protocol))
			}
		}
		for _, p := range ts.Ports {
			theirPorts = append(theirPorts, fmt.Sprintf("%d/%s", p.Target, p.Protocol))
		}
		slices.Sort(ourPorts)
		slices.Sort(theirPorts)
		if !unknownPort && !slices.Equal(ourPorts, theirPorts) {
			bad(n, "ports", ourPorts, theirPorts)
		}
		var expose []string
		for _, e := range s.Expose {
			if !e.Unknown {
				expose = append(expose, e.Value)
			}
		}
		if theirExpose := slices.DeleteFunc(slices.Clone(ts.Expose), func(s string) bool { return s == "" }); !slices.Equal(expose, theirExpose) && len(expose)+len(theirExpose) > 0 {
			bad(n, "expose", expose, ts.Expose)
		}
		if s.Replicas.Explicit() && (ts.Deploy == nil || ts.Deploy.Replicas == nil || *ts.Deploy.Replicas != s.Replicas.Value) {
			bad(n, "deploy.replicas", s.Replicas.Value, ts.Deploy)
		}
		if s.Scale.Explicit() && (ts.Scale == nil || *ts.Scale != s.Scale.Value) {
			bad(n, "scale", s.Scale.Value, ts.Scale)
		}
		if s.UpdateConfig.Order.Explicit() && (ts.Deploy == nil || ts.Deploy.UpdateConfig == nil || ts.Deploy.UpdateConfig.Order != s.UpdateConfig.Order.Value) {
			bad(n, "update_config.order", s.UpdateConfig.Order.Value, ts.Deploy)
		}
		if s.UpdateConfig.Parallelism.Explicit() && (ts.Deploy == nil || ts.Deploy.UpdateConfig == nil || ts.Deploy.UpdateConfig.Parallelism == nil || int(*ts.Deploy.UpdateConfig.Parallelism) != s.UpdateConfig.Parallelism.Value) {
			bad(n, "update_config.parallelism", s.UpdateConfig.Parallelism.Value, ts.Deploy)
		}
		if g := s.StopGracePeriod; g.Explicit() && (ts.StopGracePeriod == nil || time.Duration(*ts.StopGracePeriod) != g.Value) {
			bad(n, "stop_grace_period", g.Value, ts.StopGracePeriod)
		}
		if sig := s.StopSignal; sig.Explicit() && sig.Value != ts.StopSignal {
			bad(n, "stop_signal", sig.Value, ts.StopSignal)
		}
		if cn := s.ContainerName; cn.Explicit() && cn.Value != ts.ContainerName {
			bad(n, "container_name", cn.Value, ts.ContainerName)
		}
		if r := s.Restart; r.Explicit() && r.Value != ts.Restart {
			bad(n, "restart", r.Value, ts.Restart)
		}
		out = append(out, diffHealth(n, s.Healthcheck, ts.HealthCheck)...)
		if len(s.DependsOn) != len(ts.DependsOn) {
			bad(n, "depends_on", len(s.DependsOn), len(ts.DependsOn))
		}
		for _, d := range s.DependsOn {
			td, ok := ts.DependsOn[d.Service]
			if !ok || !d.Condition.Unknown && td.Condition != d.Condition.Value || !d.Required.Unknown && td.Required != d.Required.Value {
				bad(n, "depends_on."+d.Service, d.Condition.Value+fmt.Sprint(d.Required.Value), td)
			}
		}
		if len(s.Volumes) != len(ts.Volumes) {
			bad(n, "volumes", len(s.Volumes), len(ts.Volumes))
		} else {
			for i, m := range s.Volumes {
				tv := ts.Volumes[i]
				if m.Source.Unknown || m.Target.Unknown {
					continue
				}
				if string(m.Type) != tv.Type || m.Target.Value != tv.Target || m.ReadOnly != tv.ReadOnly ||
					m.Type == MountBind && !strings.HasPrefix(m.HostPath, "~") && m.HostPath != tv.Source {
					bad(n, fmt.Sprintf("volumes[%d]", i), fmt.Sprintf("%s %s:%s ro=%v", m.Type, m.HostPath, m.Target.Value, m.ReadOnly),
						fmt.Sprintf("%s %s:%s ro=%v", tv.Type, tv.Source, tv.Target, tv.ReadOnly))
				}
			}
		}
		if len(s.Configs) != len(ts.Configs) {
			bad(n, "configs", len(s.Configs), len(ts.Configs))
		}
		for i := range min(len(s.Configs), len(ts.Configs)) {
			c, tc := s.Configs[i], ts.Configs[i]
			if c.Source.Value != tc.Source || tc.Target != "" && c.Target.Value != tc.Target {
				bad(n, fmt.Sprintf("configs[%d]", i), c.Source.Value+":"+c.Target.Value, tc.Source+":"+tc.Target)
			}
		}
		var nets, theirNets []string
		for _, a := range s.Networks {
			nets = append(nets, a.Name)
		}
		for k := range ts.Networks {
			theirNets = append(theirNets, k)
		}
		slices.Sort(nets)
		slices.Sort(theirNets)
		if !slices.Equal(nets, theirNets) {
			bad(n, "networks", nets, theirNets)
		}
	}
	return out
}

func diffHealth(n string, h Healthcheck, th *types.HealthCheckConfig) []string {
	var out []string
	if h.Test.Explicit() || h.Kind == HealthNone {
		var want []string
		if th != nil {
			want = th.Test
		}
		got := append([]string{string(h.Kind)}, h.Test.Value...)
		if !slices.Equal(got, want) {
			out = append(out, fmt.Sprintf("%s.healthcheck.test: ours %q, compose-go %q", n, got, want))
		}
	}
	for _, d := range []struct {
		name   string
		ours   parsers.Duration
		theirs *types.Duration
	}{{"interval", h.Interval, pick(th, func(c *types.HealthCheckConfig) *types.Duration { return c.Interval })},
		{"timeout", h.Timeout, pick(th, func(c *types.HealthCheckConfig) *types.Duration { return c.Timeout })},
		{"start_period", h.StartPeriod, pick(th, func(c *types.HealthCheckConfig) *types.Duration { return c.StartPeriod })}} {
		if d.ours.Explicit() && (d.theirs == nil || time.Duration(*d.theirs) != d.ours.Value) {
			out = append(out, fmt.Sprintf("%s.healthcheck.%s: ours %v, compose-go %v", n, d.name, d.ours.Value, d.theirs))
		}
	}
	if h.Retries.Explicit() && (th == nil || th.Retries == nil || int(*th.Retries) != h.Retries.Value) {
		out = append(out, fmt.Sprintf("%s.healthcheck.retries: ours %v", n, h.Retries.Value))
	}
	if h.Disable.Explicit() && h.Kind != HealthNone && (th == nil || th.Disable != h.Disable.Value) {
		out = append(out, fmt.Sprintf("%s.healthcheck.disable: ours %v", n, h.Disable.Value))
	}
	return out
}

func pick[T any](c *types.HealthCheckConfig, f func(*types.HealthCheckConfig) *T) *T {
	if c == nil {
		return nil
	}
	return f(c)
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

var varRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// envs returns the two environments a file is compared under: no variables at all (our
// unknowns are skipped, compose-go's blanks ignored), and every variable the files use set
// to "1" (so that required variables do not stop compose-go and every value is known).
func envs(t testing.TB, files []string) []map[string]string {
	all := map[string]string{"COMPOSE_PROJECT_NAME": "oracle"}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range varRef.FindAllStringSubmatch(string(b), -1) {
			all[m[1]] = "1"
		}
	}
	all["COMPOSE_PROJECT_NAME"] = "oracle"
	return []map[string]string{{"COMPOSE_PROJECT_NAME": "oracle"}, all}
}

func TestMain(m *testing.M) {
	// compose-go warns on every unset variable; the comparison skips those values.
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}
