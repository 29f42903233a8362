package k8s

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

func parse(t *testing.T, files ...string) *parsers.Model {
	t.Helper()
	var in []parsers.Input
	for i := 0; i+1 < len(files); i += 2 {
		in = append(in, parsers.Input{Path: files[i], Src: []byte(files[i+1])})
	}
	return Parse(in, parsers.Options{})
}

const app = `# leading comment
---
# comment-only document
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  strategy:
    rollingUpdate:
      maxUnavailable: "50%"
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      terminationGracePeriodSeconds: 45
      containers:
        - name: app
          image: example/web
          ports: [{name: http, containerPort: 8080}]
          lifecycle:
            preStop:
              exec:
                command: ["/bin/sh", "-c", "sleep 12 && nginx -s quit"]
          readinessProbe:
            httpGet: {path: /ready, port: http}
            periodSeconds: 5
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      selector: {app: web}
      ports: [{name: http, port: 80, targetPort: http}]
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web, namespace: shop}
    spec:
      maxUnavailable: 1
      selector:
        matchExpressions:
          - {key: tier, operator: In, values: [front, back]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 9
`

func TestWorkloadAndLinks(t *testing.T) {
	m := parse(t, "app.yaml", app)
	if len(m.Diags) != 0 {
		t.Fatalf("diags: %v", m.Diags)
	}
	if len(m.Workloads) != 1 || len(m.Services) != 1 {
		t.Fatalf("got %d workloads, %d services", len(m.Workloads), len(m.Services))
	}
	w := m.Workloads[0]
	if w.Namespace != "shop" || !w.Served || len(w.Services) != 1 || len(w.PDBs) != 1 {
		t.Errorf("links: ns=%s served=%v services=%d pdbs=%d", w.Namespace, w.Served, len(w.Services), len(w.PDBs))
	}
	if w.Pos.Line != 6 || w.Pos.Col != 1 {
		t.Errorf("workload pos %v, want the kind: line 6", w.Pos)
	}
	if w.Replicas.Value != 3 || w.Replicas.Pos.Line != 11 || w.Replicas.Text != "replicas: 3" {
		t.Errorf("replicas %+v", w.Replicas)
	}
	if w.MaxUnavailable.Value != "50%" || w.MaxUnavailable.Text != `maxUnavailable: "50%"` {
		t.Errorf("maxUnavailable %+v", w.MaxUnavailable)
	}
	if w.MinReplicas.Value != 2 || w.MaxReplicas.Value != 9 || !strings.Contains(w.MinReplicas.ViaNote(), "shop/web") {
		t.Errorf("hpa %+v %+v", w.MinReplicas, w.MaxReplicas)
	}
	if w.TerminationGrace.Value != 45*time.Second || !w.TerminationGrace.Explicit() {
		t.Errorf("grace %+v", w.TerminationGrace)
	}
	c := w.Containers[0]
	if c.Pos.Line != 21 || c.Pos.Col != 11 {
		t.Errorf("container pos %v, want 21:11 (the - name: line)", c.Pos)
	}
	if c.PreStopDelay.Value != 12*time.Second || !c.PreStopDelay.Explicit() {
		t.Errorf("preStop %+v", c.PreStopDelay)
	}
	r := c.Readiness
	if r == nil || r.Handler != "httpGet" || r.Path != "/ready" || r.Port != "http" || r.Period.Value != 5*time.Second ||
		!r.FailureThreshold.IsDefault() || r.FailureWindow() != 15*time.Second {
		t.Errorf("readiness %+v", r)
	}
	// Byte offsets agree with line and column.
	src := []byte(app)
	if got := string(src[w.Replicas.Pos.Offset:w.Replicas.Pos.EndOffset]); got != "3" {
		t.Errorf("replicas span %q", got)
	}
}

func TestDefaultsAndSkips(t *testing.T) {
	m := parse(t, "a.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    metadata: {labels: {app: d}}
    spec:
      containers: [{name: c, image: x}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: crd}
`)
	if len(m.Workloads) != 1 {
		t.Fatalf("want only the apps/v1 Deployment, got %d workloads", len(m.Workloads))
	}
	w := m.Workloads[0]
	if w.Namespace != "default" || !w.Replicas.IsDefault() || w.Replicas.Value != 1 || w.Served {
		t.Errorf("defaults: %+v", w)
	}
	if w.Strategy.Value != "RollingUpdate" || w.MaxUnavailable.Value != "25%" || w.TerminationGrace.Value != 30*time.Second {
		t.Errorf("rollout defaults: %+v %+v %+v", w.Strategy, w.MaxUnavailable, w.TerminationGrace)
	}
	c := w.Containers[0]
	if !c.PreStopDelay.IsDefault() || c.PreStopDelay.Value != 0 || c.PreStopPos.IsValid() {
		t.Errorf("no preStop: %+v", c.PreStopDelay)
	}
}

func TestPreStopForms(t *testing.T) {
	cases := []struct {
		hook  string
		want  time.Duration
		known bool
	}{
		{`{sleep: {seconds: 7}}`, 7 * time.Second, true},
		{`{exec: {command: ["sleep", "10"]}}`, 10 * time.Second, true},
		{`{exec: {command: ["/bin/sleep", "5s"]}}`, 5 * time.Second, true},
		{`{exec: {command: ["/bin/sh", "-c", "sleep 10"]}}`, 10 * time.Second, true},
		{`{exec: {command: ["/wait-shutdown"]}}`, 0, false},
		{`{httpGet: {path: /drain, port: 8080}}`, 0, false},
		{`{exec: {command: ["/bin/sh", "-c", "sleep 5 && nginx -s quit"]}}`, 5 * time.Second, true},
		// A sleep inside a loop or a test runs as long as the loop does: the hook waits
		// for something (connections to drop, a file to go), for an unknown time.
		{`{exec: {command: ["/bin/sh", "-c", "while [ $(ss -Htn state established | wc -l) -gt 0 ]; do sleep 1; done"]}}`, 0, false},
		{`{exec: {command: ["sh", "-c", "until curl -sf localhost:8080/drained; do sleep 2; done"]}}`, 0, false},
		{`{exec: {command: ["bash", "-c", "for i in $(seq 1 30); do sleep 1; done"]}}`, 0, false},
		{`{exec: {command: ["sh", "-c", "if [ -f /tmp/slow ]; then sleep 30; else sleep 5; fi"]}}`, 0, false},
		// sleep infinity holds the hook until the grace period ends: not a number of
		// seconds (strconv.ParseFloat reads "infinity" and "inf" as +Inf).
		{`{exec: {command: ["/bin/sh", "-c", "sleep infinity"]}}`, 0, false},
		{`{exec: {command: ["sleep", "inf"]}}`, 0, false},
		{`{exec: {command: ["sleep", "NaN"]}}`, 0, false},
	}
	for _, tc := range cases {
		m := parse(t, "p.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      lifecycle:\n        preStop: "+tc.hook+"\n")
		c := m.Workloads[0].Containers[0]
		if c.PreStopDelay.Known() != tc.known || c.PreStopDelay.Value != tc.want || !c.PreStopPos.IsValid() {
			t.Errorf("%s: got %+v", tc.hook, c.PreStopDelay)
		}
	}
}

func TestBadInput(t *testing.T) {
	// Broken YAML is a positioned error; the other files still parse.
	m := parse(t, "bad.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n", "ok.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
	if len(m.Diags) != 1 || m.Diags[0].Severity != parsers.Error || m.Diags[0].Pos.File != "bad.yaml" || m.Diags[0].Pos.Line < 2 {
		t.Errorf("diags: %v", m.Diags)
	}
	if len(m.Services) != 1 {
		t.Errorf("ok.yaml not parsed")
	}

	// Alias bomb: aliases are never expanded.
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("  a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	start := time.Now()
	parse(t, "bomb.yaml", b.String())
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("alias bomb took %v", d)
	}

	// Deep nesting: the decoder's depth limit gives a positioned error, not a crash.
	deep := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	m = parse(t, "deep.yaml", deep)
	if len(m.Diags) != 1 || m.Diags[0].Severity != parsers.Error {
		t.Errorf("deep: %v", m.Diags)
	}

	// Too many documents: an error (what is skipped is not linted; issue 17), and the
	// first ones (the default limit) are read.
	maxDocs := parsers.Options{}.Documents()
	many := strings.Repeat("---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n", maxDocs+5)
	m = parse(t, "many.yaml", many)
	if len(m.Services) != maxDocs || len(m.Diags) != 1 || m.Diags[0].Severity != parsers.Error {
		t.Errorf("many: %d services, diags %v", len(m.Services), m.Diags)
	}
}

func TestHelmTemplates(t *testing.T) {
	tpl := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n"
	m := parse(t, "charts/web/templates/deploy.yaml", tpl, "charts/web/templates/svc.yaml", tpl)
	if len(m.Diags) != 1 || m.Diags[0].Severity != parsers.Info || !strings.Contains(m.Diags[0].Message, "charts/web") {
		t.Errorf("want one info note per chart, got %v", m.Diags)
	}
	if len(m.Workloads) != 0 {
		t.Errorf("templates must not be parsed")
	}
}

func TestJSON(t *testing.T) {
	m := parse(t, "svc.json", "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Service\",\n\t\"metadata\": {\"name\": \"s\"},\n\t\"spec\": {\"selector\": {\"app\": \"s\"}, \"ports\": [{\"port\": 80}]}\n}\n")
	if len(m.Diags) != 0 || len(m.Services) != 1 || m.Services[0].Ports[0].TargetPort != "80" {
		t.Errorf("json: %v %+v", m.Diags, m.Services)
	}
}

func TestSniff(t *testing.T) {
	if !sniff("a.yaml", []byte("apiVersion: v1\nkind: Service\n")) || sniff("a.txt", []byte("apiVersion: v1\nkind: x")) || sniff("a.yml", []byte("foo: bar\n")) {
		t.Error("sniff")
	}
}

const ingressNginx = `apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
data:
  proxy-read-timeout: "90"
  proxy-connect-timeout: "7"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "300"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: /api
            pathType: Prefix
            backend: {service: {name: api, port: {number: 80}}}
          - path: /exact
            pathType: Exact
            backend: {service: {name: api, port: {name: http}}}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 8080}]
`

func TestIngressNginx(t *testing.T) {
	m := parse(t, "ing.yaml", ingressNginx)
	if len(m.Hops) != 1 || m.Hops[0].Kind != parsers.HopIngressNginx || len(m.Hops[0].Routes) != 2 {
		t.Fatalf("hops: %+v", m.Hops)
	}
	r := m.Hops[0].Routes[0]
	if r.ReadTimeout.Value != 300*time.Second || r.ReadTimeout.Pos.Line != 13 || r.ReadTimeout.Text != `nginx.ingress.kubernetes.io/proxy-read-timeout: "300"` {
		t.Errorf("read timeout from the annotation: %+v", r.ReadTimeout)
	}
	if r.ConnectTimeout.Value != 7*time.Second || r.ConnectTimeout.Pos.Line != 6 {
		t.Errorf("connect timeout from the ConfigMap: %+v", r.ConnectTimeout)
	}
	if r.SendTimeout.Value != 60*time.Second || r.SendTimeout.Default != "ingress-nginx default proxy-send-timeout 60s" {
		t.Errorf("send timeout default: %+v", r.SendTimeout)
	}
	if r.Backend == nil || r.Backend.Service == nil || r.Backend.Service.Name != "api" {
		t.Errorf("backend not linked by port number")
	}
	if r2 := m.Hops[0].Routes[1]; r2.PathKind != "exact" || r2.Backend.Service == nil {
		t.Errorf("exact path by port name: %+v", r2)
	}
	// Without ConfigMap or annotation: the controller's defaults (connect 5s, not nginx's 60s).
	m = parse(t, "ing.yaml", strings.SplitN(ingressNginx, "---\n", 2)[1])
	r = m.Hops[0].Routes[0]
	if r.ConnectTimeout.Value != 5*time.Second || !r.ConnectTimeout.IsDefault() || m.Hops[0].ShutdownTimeout.Value != 240*time.Second {
		t.Errorf("defaults: %+v", r.ConnectTimeout)
	}
}

func TestALBIngressAndNLB(t *testing.T) {
	m := parse(t, "alb.yaml", `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/load-balancer-attributes: routing.http2.enabled=true,idle_timeout.timeout_seconds=120
    alb.ingress.kubernetes.io/healthcheck-path: /healthz
spec:
  ingressClassName: alb
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/target-group-attributes: deregistration_delay.timeout_seconds=30
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: tcp
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: external
    service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval: "5"
spec:
  type: LoadBalancer
  selector: {app: tcp}
  ports: [{port: 443}]
`)
	if len(m.Hops) != 2 {
		t.Fatalf("hops: %d", len(m.Hops))
	}
	h := m.Hops[0]
	r := h.Routes[0]
	if h.Kind != parsers.HopALBIngress || h.ClientIdleTimeout.Value != 120*time.Second || r.ReadTimeout.Value != 120*time.Second || r.ReadTimeout.Pos.Line != 6 {
		t.Errorf("alb idle: %+v", r.ReadTimeout)
	}
	be := r.Backend
	if be.DeregistrationDelay.Value != 30*time.Second || be.Health.Path.Value != "/healthz" || be.Health.Interval.Value != 15*time.Second ||
		be.Health.HealthyThreshold.Value != 2 || be.Health.Matcher.Value != "200" {
		t.Errorf("alb backend: dereg %+v health %+v", be.DeregistrationDelay, be.Health)
	}
	n := m.Hops[1]
	hc := n.Routes[0].Backend.Health
	if n.ClientIdleTimeout.Value != 350*time.Second || hc.Interval.Value != 5*time.Second || hc.Protocol.Value != "TCP" || hc.UnhealthyThreshold.Value != 3 ||
		n.Routes[0].ReadTimeout.Known() || n.Routes[0].Backend.DeregistrationDelay.Value != 300*time.Second {
		t.Errorf("nlb: %+v %+v", n, hc)
	}
}

func TestGatewayAndTargetGroupBinding(t *testing.T) {
	m := parse(t, "gw.yaml", `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules:
    - matches: [{path: {type: PathPrefix, value: /slow}}]
      timeouts: {request: 2m, backendRequest: 90s}
      backendRefs: [{name: web, port: 80}]
    - backendRefs: [{name: web, port: 80}]
---
apiVersion: elbv2.k8s.aws/v1beta1
kind: TargetGroupBinding
metadata: {name: tgb}
spec:
  serviceRef: {name: web, port: 80}
  targetGroupARN: arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`)
	h := m.Hops[0]
	if h.Kind != parsers.HopGateway || len(h.Routes) != 2 || h.Routes[0].Path != "/slow" || h.Routes[0].ReadTimeout.Value != 90*time.Second ||
		h.Routes[0].ReadTimeout.Text != "backendRequest: 90s" || h.Routes[1].ReadTimeout.Known() || h.Routes[0].Backend.Service == nil {
		t.Errorf("gateway: %+v %+v", h.Routes[0], h.Routes[1])
	}
	var tg *parsers.Backend
	for _, b := range m.Backends {
		if b.Kind == "target-group" {
			tg = b
		}
	}
	if tg == nil || tg.Service == nil || !strings.HasPrefix(tg.Name, "arn:aws") {
		t.Errorf("tgb: %+v", tg)
	}
}

func TestEmbeddedConfig(t *testing.T) {
	m := parse(t, "cm.yaml", `apiVersion: v1
kind: ConfigMap
metadata: {name: proxy, namespace: edge}
data:
  nginx.conf: |
    events {}
    http {
      server { listen 80; }
    }
  Caddyfile: |2
      :80 {
        respond "ok"
      }
  fluent.conf: |
    [INPUT]
        Name tail
  inline.conf: "server { listen 80; }"
`)
	if len(m.Embedded) != 2 {
		t.Fatalf("embedded: %+v", m.Embedded)
	}
	e := m.Embedded[0]
	if e.Format != parsers.FormatNginx || e.Line != 6 || e.Col != 5 || e.Indent != 4 || e.Owner != "ConfigMap/edge/proxy" ||
		e.Path != "cm.yaml#nginx.conf" || !strings.HasPrefix(string(e.Src), "events {}\n") {
		t.Errorf("nginx.conf: %+v", e)
	}
	// |2: two columns past the key's; the two spaces beyond that are part of the text.
	if c := m.Embedded[1]; c.Format != parsers.FormatCaddy || c.Line != 11 || c.Indent != 4 || c.Col != 5 || !strings.HasPrefix(string(c.Src), "  :80 {") {
		t.Errorf("Caddyfile: %+v", c)
	}
	if len(m.Diags) != 1 || !strings.Contains(m.Diags[0].Message, "inline.conf") {
		t.Errorf("want a note for the quoted nginx config: %v", m.Diags)
	}
}

func TestVolumeClaims(t *testing.T) {
	m := parse(t, "app.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: wiki, namespace: docs}
spec:
  template:
    spec:
      containers: [{name: app, image: wiki}]
      volumes:
        - name: pages
          persistentVolumeClaim:
            claimName: pages
        - name: shared
          persistentVolumeClaim: {claimName: shared}
        - name: elsewhere
          persistentVolumeClaim: {claimName: elsewhere}
        - name: config
          configMap: {name: wiki}
`, "pvc.yaml", `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pages, namespace: docs}
spec: {accessModes: [ReadWriteOnce]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared, namespace: docs}
spec: {accessModes: [ReadWriteMany]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: elsewhere, namespace: other}
spec: {accessModes: [ReadWriteMany]}
`)
	w := m.Workloads[0]
	if len(w.Claims) != 3 {
		t.Fatalf("claims = %+v", w.Claims)
	}
	pages, shared, elsewhere := w.Claims[0], w.Claims[1], w.Claims[2]
	if pages.Name != "pages" || pages.Pos.Line != 11 || pages.Shareable() || len(pages.AccessModes) != 1 {
		t.Errorf("pages = %+v", pages)
	}
	if !shared.Shareable() {
		t.Errorf("shared = %+v, want ReadWriteMany", shared)
	}
	// A claim of the same name in another namespace is not this one.
	if elsewhere.AccessModes != nil || elsewhere.Shareable() {
		t.Errorf("elsewhere = %+v, want unknown", elsewhere)
	}
}

// TestEmbeddedLeadingBlankLine: a block that opens with a blank line keeps it in its text,
// so the text's line 1 is that blank line, not the first one with content.
func TestEmbeddedLeadingBlankLine(t *testing.T) {
	m := parse(t, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proxy}\ndata:\n  nginx.conf: |\n\n    events {}\n")
	if len(m.Embedded) != 1 {
		t.Fatalf("embedded: %+v", m.Embedded)
	}
	if e := m.Embedded[0]; e.Line != 6 || e.Indent != 4 || string(e.Src) != "\nevents {}\n" {
		t.Errorf("got line %d indent %d src %q; want line 6 (the blank one), indent 4", e.Line, e.Indent, e.Src)
	}
}

// TestFlowStyleSettingText: a setting written in a JSON-style document (kubernetes/website's
// hpa/php-apache.yaml) is quoted without the comma that separates it from the next key.
func TestFlowStyleSettingText(t *testing.T) {
	m := parse(t, "hpa.yaml", `{
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: {name: "web"},
  spec: {
    scaleTargetRef: {apiVersion: "apps/v1", kind: "Deployment", name: "web"},
    minReplicas: 1,
    maxReplicas: 10,
  },
}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: example/web:1.0
          command: ["serve", "a,"]
`)
	for _, w := range m.Workloads {
		if w.Name != "web" {
			continue
		}
		if got := w.MinReplicas.Text; got != "minReplicas: 1" {
			t.Errorf("minReplicas text %q, want %q", got, "minReplicas: 1")
		}
		return
	}
	t.Fatal("no workload web")
}

// TestScaledObjectFloor: a KEDA ScaledObject is its target's autoscaler. A minReplicaCount
// of 1 or more is the floor; the default 0 (scale to zero), 1 with idleReplicaCount (zero
// when idle) and a paused ScaledObject are unknown.
func TestScaledObjectFloor(t *testing.T) {
	dep := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: api, image: api}]}\n---\n"
	for so, want := range map[string]string{
		"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {name: api}\n  minReplicaCount: 3\n":                                                      "3",
		"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {name: api}\n":                                                                            "unknown",
		"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {name: api}\n  minReplicaCount: 1\n":                                                      "1",
		"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {name: api}\n  idleReplicaCount: 0\n  minReplicaCount: 1\n":                               "unknown",
		"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: api, annotations: {autoscaling.keda.sh/paused: \"true\"}}\nspec:\n  scaleTargetRef: {name: api}\n  minReplicaCount: 1\n": "unknown",
		"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: api}\nspec:\n  scaleTargetRef: {kind: StatefulSet, name: api}\n  minReplicaCount: 3\n":                                   "none",
	} {
		m := parse(t, "a.yaml", dep+so)
		min := m.Workloads[0].MinReplicas
		got := "none"
		switch {
		case min.Unknown:
			got = "unknown"
		case min.Known():
			got = strconv.Itoa(min.Value)
		}
		if got != want {
			t.Errorf("%s: floor %s, want %s", so, got, want)
		}
	}
}

// TestIngressNginxSnippetKeepAlive: a keepalive_timeout in a server-snippet or
// configuration-snippet overrides the ConfigMap's keep-alive for the Ingress's server
// (ingress-nginx pastes the snippet into it); its value is not read, so the hop's client
// idle timeout is unknown. Without one, it is the controller's 75s.
func TestIngressNginxSnippetKeepAlive(t *testing.T) {
	ing := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: |
      keepalive_timeout 400s;
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  number: 80
`
	m := parse(t, "ing.yaml", ing)
	if ka := m.Hops[0].ClientIdleTimeout; ka.Known() {
		t.Errorf("server-snippet keepalive_timeout: %+v, want unknown", ka)
	}
	m = parse(t, "ing.yaml", strings.Replace(ing, "keepalive_timeout 400s;", "more_set_headers \"X-A: b\";", 1))
	if ka := m.Hops[0].ClientIdleTimeout; ka.Value != 75*time.Second {
		t.Errorf("no keepalive_timeout in the snippet: %+v, want 75s", ka)
	}
}
