package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestK8sClientsWording: 502, 503 and 504 are answers of an HTTP proxy. A workload reached
// only through its ClusterIP Service has none in front: kube-proxy refuses connections to
// a Service with no ready endpoint, a pod whose app does not listen refuses them, and a
// hung pod leaves the request waiting (curl straight to a hung server: exit 28, no
// status). Its messages say so; the same workload behind an Ingress keeps the codes. An NLB
// of the AWS Load Balancer Controller passes TCP through: no status either.
func TestK8sClientsWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-clients-wording")
	want := map[string]map[string]string{ // rule → workload → text its message holds
		"single-replica": {
			"internal": "connections to it are refused (a proxy in front answers 502/503)",
			"public":   "requests get 502/503",
			"tcp-edge": "connections to it are refused (a proxy in front answers 502/503)",
		},
		"readiness-probe-missing": {
			"internal": "(connection refused; 502 from a proxy in front)",
			"public":   "before the app listens (502) and keeps sending them when it hangs (504)",
			"tcp-edge": "(connection refused; 502 from a proxy in front)",
		},
		"prestop-missing": {
			"internal": "kube-proxy keeps sending it new connections for a few seconds after it stopped accepting them, and those are refused",
			"public":   "kube-proxy and the proxy in front keep sending it requests",
			"tcp-edge": "and those are refused (a proxy in front answers 502). The NLB in front takes 10s or more",
		},
	}
	seen := 0
	for _, f := range findings {
		byWorkload, ok := want[f.Rule.ID]
		if !ok {
			continue
		}
		for w, text := range byWorkload {
			if !strings.Contains(f.Message, "Deployment "+w+" ") {
				continue
			}
			seen++
			if !strings.Contains(f.Message, text) {
				t.Errorf("%s on %s: want %q in %s", f.Rule.ID, w, text, f.Message)
			}
			if w != "public" && strings.Contains(f.Message, "requests get 50") {
				t.Errorf("%s on %s promises a status code with no proxy in front: %s", f.Rule.ID, w, f.Message)
			}
		}
	}
	if seen != 9 {
		t.Errorf("checked %d findings, want 9", seen)
	}
}

// TestReadTimeoutStreamCut: nginx's read timeout runs between two reads and an ALB's on an
// idle connection, so a response already under way that pauses that long is cut mid-body,
// not answered 504 (nginx 1.22.1 on loopback: 200, one event, closed after 3s). Caddy's
// response_header_timeout covers the headers only, and its message does not say so.
func TestReadTimeoutStreamCut(t *testing.T) {
	for dir, cut := range map[string]bool{
		"testdata/read-timeout-too-short/nginx": true,
		"testdata/read-timeout-too-short/alb":   true,
		"testdata/read-timeout-too-short/caddy": false,
	} {
		_, findings := rulestest.Lint(t, dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != "read-timeout-too-short" {
				continue
			}
			seen = true
			if got := strings.Contains(f.Message, "is cut off mid-body"); got != cut {
				t.Errorf("%s: cut off mid-body said %v, want %v: %s", dir, got, cut, f.Message)
			}
			if !strings.Contains(f.Message, "to start") {
				t.Errorf("%s: the 504 is for a response that has not started: %s", dir, f.Message)
			}
		}
		if !seen {
			t.Errorf("%s: no read-timeout-too-short finding", dir)
		}
	}
}

// TestLBStatusWording: an ALB answers 502 for a target that refuses or resets the
// connection and 504 for one that hangs past the idle timeout; 503 is for a target group
// with no registered target (AWS ALB troubleshooting, "The load balancer generates an HTTP
// error"). A target whose traffic port is never checked stays healthy, so its clients get
// 502/504, never 503; an ALB with no healthy target left fails open, so do those of an
// autoscaling group whose broken instances are never replaced. And a default setting
// reads as a clause of its own ("timeout is not set, so the ... applies, which is ...").
func TestLBStatusWording(t *testing.T) {
	for _, c := range []struct{ dir, rule, want, not string }{
		{"testdata/tf-health-check-wrong-port/trigger-ecs", "health-check-wrong-port", "fail with 502 (504 when it hangs)", "503"},
		{"testdata/tf-asg-ec2-health-check/trigger", "asg-ec2-health-check", "clients get 502/504 (with no healthy target the load balancer fails open", "503"},
		{"testdata/tf-health-check-slow/trigger-position", "health-check-slow", "", "applies is not"},
		{"testdata/tf-health-check-slow/trigger-default-interval", "health-check-slow", "is not shorter than the Terraform default health_check.interval 30s", "than interval is not set"},
	} {
		_, findings := rulestest.Lint(t, c.dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != c.rule {
				continue
			}
			seen = true
			if !strings.Contains(f.Message, c.want) || strings.Contains(f.Message, c.not) {
				t.Errorf("%s: want %q and not %q in %s", c.dir, c.want, c.not, f.Message)
			}
		}
		if !seen {
			t.Errorf("%s: no %s finding", c.dir, c.rule)
		}
	}
}

// TestBackupTakeoverWording: no-retry-on-failure names when the backup takes over in a
// sentence that reads ("which never takes over", not "which takes over never").
func TestBackupTakeoverWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/nginx-backup")
	want := []string{"which never takes over: max_fails=0 keeps the primary from being marked down", "which takes over only once nginx has marked it down"}
	for _, w := range want {
		found := false
		for _, f := range findings {
			if f.Rule.ID == "no-retry-on-failure" && strings.Contains(f.Message, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no no-retry-on-failure message holds %q", w)
		}
	}
}

// TestProxyShutdownFront: proxy-shutdown-unbounded names what the clients get from what
// stands in front of Caddy: Cloudflare answers 520 for a response cut off and 521 for a
// refused connection (cloudflare-docs error-520, error-521); a Caddy Deployment reached
// through its Service only has no HTTP proxy in front, and its clients' connections are
// reset. A default terminationGracePeriodSeconds is named at the workload, not at no line.
func TestProxyShutdownFront(t *testing.T) {
	for dir, want := range map[string][]string{
		"testdata/caddy-shutdown":     {"Cloudflare answers 520", "Cloudflare answers 521"},
		"testdata/xl-caddy-configmap": {"the clients' connections are reset", "those are refused"},
	} {
		_, findings := rulestest.Lint(t, dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != "proxy-shutdown-unbounded" {
				continue
			}
			seen = true
			for _, w := range want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("%s: want %q in %s", dir, w, f.Message)
				}
			}
			if strings.Contains(f.Message, "with 502s for the clients") || strings.Contains(f.Message, "and those get 502") {
				t.Errorf("%s: a 502 nothing in front answers: %s", dir, f.Message)
			}
			for _, r := range f.Related {
				if !r.Pos.IsValid() {
					t.Errorf("%s: related %q has no position", dir, r.Message)
				}
			}
		}
		if !seen {
			t.Errorf("%s: no proxy-shutdown-unbounded finding", dir)
		}
	}
}

// TestSpotStopTimeoutBehindNLB: an NLB's TCP target group passes the connection through,
// so a Fargate Spot task killed mid-request resets its clients' connections; only an HTTP
// target group's load balancer answers 502.
func TestSpotStopTimeoutBehindNLB(t *testing.T) {
	for dir, want := range map[string]string{
		"testdata/tf-ecs-stop-timeout/trigger-nlb": "clients' connections are refused, reset or time out",
		"testdata/tf-ecs-stop-timeout/trigger":     "clients get 502 from the load balancer",
	} {
		_, findings := rulestest.Lint(t, dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != "grace-period-too-short" {
				continue
			}
			seen = true
			if !strings.Contains(f.Message, want) {
				t.Errorf("%s: want %q in %s", dir, want, f.Message)
			}
		}
		if !seen {
			t.Errorf("%s: no grace-period-too-short finding", dir)
		}
	}
}

// TestLBDrainBehindNLB: lb-drain-mismatch names an NLB of the AWS Load Balancer Controller
// as such (it was "the ALB") and says the cut request's connection is reset: the NLB
// passes TCP through and answers no 502. It asked for a grace period of 70s, after which
// the same rule asked for gunicorn's --graceful-timeout: it now asks for both at once.
func TestLBDrainBehindNLB(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-lb-drain-nlb")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "lb-drain-mismatch" {
			continue
		}
		seen = true
		if !strings.Contains(f.Message, "the NLB lets a leaving pod's requests finish") || !strings.Contains(f.Message, "the client's connection is reset") || strings.Contains(f.Message, "gets 502") {
			t.Errorf("message: %s", f.Message)
		}
		// The kubelet cuts first at 30s, but gunicorn's own limit (preStop 10s + default
		// --graceful-timeout 30s) ends before the 60s requests too: the grace period alone
		// is not the fix, and the message and the snippet say both, with the values the
		// app-drain finding names once the grace period is raised.
		if !strings.Contains(f.Message, "Raise terminationGracePeriodSeconds to 80 (the app must keep serving until then), and gunicorn's --graceful-timeout to 60") {
			t.Errorf("message does not name both settings: %s", f.Message)
		}
		if f.Fix == nil || !f.Fix.SnippetOnly() {
			t.Errorf("a grace period written alone would leave the cut to gunicorn: %+v", f.Fix)
		}
	}
	if !seen {
		t.Error("no lb-drain-mismatch finding")
	}
}

// TestPrestopShortGraceWording: a preStop sleep counts against terminationGracePeriodSeconds,
// so where the grace period is not longer than the sleep the message says to raise it with
// the sleep, naming the value and where it is written (the fix raises it too); a user who
// added only the sleep would leave the app 2s to drain instead of 5s.
func TestPrestopShortGraceWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-prestop-missing-short-grace")
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "prestop-missing" {
			continue
		}
		seen++
		want := "Add a preStop sleep of 10s and raise terminationGracePeriodSeconds: 5 (adservice.yaml:19) to 30"
		if !strings.Contains(f.Message, want) {
			t.Errorf("want %q in %s", want, f.Message)
		}
	}
	if seen != 1 {
		t.Errorf("want one prestop-missing finding, got %d", seen)
	}
	// Without a short grace period the message asks for the sleep alone.
	_, findings = rulestest.Lint(t, "testdata/k8s-prestop-missing")
	for _, f := range findings {
		if f.Rule.ID == "prestop-missing" && strings.Contains(f.Message, "terminationGracePeriodSeconds") {
			t.Errorf("default grace period: the message should not mention it: %s", f.Message)
		}
	}
}

// TestTwoServicesWording: a workload behind several Services is named with the plural and
// the verbs agree; the corpus had "Service gradio, gradio-service sends" and "Service
// frontend, frontend-external has no other pod".
func TestTwoServicesWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-two-services-wording")
	want := map[string]string{
		"single-replica":          "and Services gradio, gradio-service have no other pod: every node drain or crash of that pod leaves the Services with no ready endpoint and connections to them are refused",
		"readiness-probe-missing": "so Services gradio, gradio-service send them requests before the app listens (connection refused; 502 from a proxy in front) and keep sending them",
	}
	seen := 0
	for _, f := range findings {
		text, ok := want[f.Rule.ID]
		if !ok {
			continue
		}
		seen++
		if !strings.Contains(f.Message, text) {
			t.Errorf("%s: want %q in %s", f.Rule.ID, text, f.Message)
		}
	}
	if seen != len(want) {
		t.Errorf("checked %d findings, want %d", seen, len(want))
	}
}
