package load

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestScanKeysYAML(t *testing.T) {
	src := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web, tier: "front"}}
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: registry.example.com/web:1.2
        args: ["--upstream=http://auth:9000", --verbose]
        env:
        - name: BACKEND
          value: http://api.shop.svc.cluster.local:8080
        ports:
        - name: http
          containerPort: 8080
      volumes:
      - name: conf
        configMap: {name: web-conf}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - backend:
          service:
            name: web-svc
---
apiVersion: v1
kind: Service
metadata: {name: web-svc}
spec:
  selector: {app: web, tier: front}
---
kind: IngressClass
metadata:
  name: internal
spec:
  podSelector:
    matchExpressions: [{key: app, operator: Exists}]
`
	k := scanKeys("k8s", "x.yaml", []byte(src))
	names := map[string]bool{}
	for _, n := range k.names {
		names[n] = true
	}
	for _, want := range []string{"web", "web-conf", "api", "web-svc", "internal", "auth"} {
		if !names[want] {
			t.Errorf("name %q missing: %v", want, k.names)
		}
	}
	for _, not := range []string{"app", "http", "conf", "BACKEND", "registry", "nginx"} {
		if names[not] {
			t.Errorf("%q is not a link name: %v", not, k.names)
		}
	}
	if !k.labels["app=web"] || !k.labels["tier=front"] || len(k.labels) != 2 {
		t.Errorf("labels %v", k.labels)
	}
	var sels []string
	for _, s := range k.selectors {
		sort.Strings(s)
		sels = append(sels, strings.Join(s, ","))
	}
	sort.Strings(sels)
	if strings.Join(sels, " ") != "app=web app=web,tier=front" {
		t.Errorf("selectors %v", sels)
	}
	if !k.ingress || !k.wild || len(k.classRefs) != 1 || k.classRefs[0] != "nginx" || len(k.classDefs) != 1 || k.classDefs[0] != "internal" {
		t.Errorf("ingress %v wild %v classRefs %v classDefs %v", k.ingress, k.wild, k.classRefs, k.classDefs)
	}
}

// A Service's GKE backend-config annotation names BackendConfig objects, in both JSON
// forms, under either key: their names link it to the files defining them.
func TestScanKeysBackendConfig(t *testing.T) {
	src := `apiVersion: v1
kind: Service
metadata:
  name: api
  annotations:
    cloud.google.com/backend-config: '{"default": "api-bc"}'
    beta.cloud.google.com/backend-config: '{"ports": {"80": "port-bc", "http": "named-bc"}}'
spec:
  ports:
  - port: 80
`
	k := scanKeys("k8s", "svc.yaml", []byte(src))
	names := map[string]bool{}
	for _, n := range k.names {
		names[n] = true
	}
	for _, want := range []string{"api", "api-bc", "port-bc", "named-bc"} {
		if !names[want] {
			t.Errorf("name %q missing: %v", want, k.names)
		}
	}
	for _, not := range []string{"default", "ports", "80", "http"} {
		if names[not] {
			t.Errorf("%q is not a link name: %v", not, k.names)
		}
	}
}

// SelectContext follows links through files (Deployment <- Service <- Ingress, a
// ConfigMap's nginx proxying to the Service, an HPA scaling the Deployment) and leaves
// out what does not link, however much it resembles (same labels' keys, other names).
func TestSelectContext(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"app.yaml":     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels:\n        app: web\n        team: shop\n",
		"svc.yaml":     "apiVersion: v1\nkind: Service\nmetadata:\n  name: front\nspec:\n  selector:\n    app: web\n",
		"ingress.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: edge\nspec:\n  defaultBackend:\n    service:\n      name: front\n",
		"proxy.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy-conf\ndata:\n  nginx.conf: |\n    server {\n      location / { proxy_pass http://front.default:80; }\n    }\n",
		"hpa.yaml":     "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: scaler}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n",
		"team.yaml":    "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: team}\nspec:\n  selector: {matchLabels: {team: shop}}\n",
		"other.yaml":   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api, team: billing}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  selector: {app: api, team: billing}\n",
		"nginx.conf":   "events {}\nhttp { server { location / { proxy_pass http://billing:80; } } }\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := SelectContext([]string{filepath.Join(dir, "app.yaml")}, ContextOptions{Roots: []string{dir}}, Options{Cwd: dir})
	var names []string
	for _, g := range got {
		names = append(names, filepath.Base(g))
	}
	sort.Strings(names)
	if want := "app.yaml hpa.yaml ingress.yaml proxy.yaml svc.yaml team.yaml"; strings.Join(names, " ") != want {
		t.Errorf("selected %v, want %s", names, want)
	}
}

// Pretty-printed JSON manifests are read by indentation like block YAML.
func TestScanKeysJSON(t *testing.T) {
	src := `{
  "apiVersion": "v1",
  "kind": "Service",
  "metadata": {
    "name": "web-svc",
    "labels": {
      "app": "web"
    }
  },
  "spec": {
    "selector": {
      "app": "web",
      "tier": "front"
    }
  }
}
`
	k := scanKeys("k8s", "svc.json", []byte(src))
	if len(k.names) != 1 || k.names[0] != "web-svc" || !k.labels["app=web"] || len(k.selectors) != 1 || len(k.selectors[0]) != 2 {
		t.Errorf("names %v labels %v selectors %v", k.names, k.labels, k.selectors)
	}
}

// A named Terraform file's module is read whole, with the environments' var files kept
// below it (envs/prod.tfvars), but not another configuration's nor .terraform's.
func TestModuleFilesWithEnvironmentVarFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"main.tf", "variables.tf", "prod.tfvars", "envs/prod.tfvars", "envs/eu/staging.tfvars.json",
		"modules/app/main.tf", "modules/app/test.tfvars", ".terraform/modules/x/y.tfvars", "README.md"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"envs/eu/staging.tfvars.json", "envs/prod.tfvars", "main.tf", "prod.tfvars", "variables.tf"}
	// Named, an environment's var file reads its configuration too.
	for _, named := range []string{"main.tf", "envs/eu/staging.tfvars.json"} {
		var got []string
		for _, p := range ModuleFiles(filepath.Join(dir, filepath.FromSlash(named))) {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", named, got, want)
		}
	}
}

// A named file's context is chosen among the files a full run would read, and a YAML or
// JSON file that is no manifest (fixtures, package.json, data dumps: most of a
// monorepo's) is not one of them. SelectContext must not keep their bytes: a pre-commit
// run on one manifest beside 850 MB of JSON fixtures held them all (1 GB resident).
// Only the manifests' bytes, and a worker's read buffer, may stay.
func TestSelectContextKeepsOnlyConfigs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("k8s/app.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n")
	write("k8s/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n")
	// 40 MiB of data that mentions the names (a fixture of the app's own API).
	row := strings.Repeat(`{"name": "web", "app": "web", "kind_of": "x"},`, 100)
	big := "[" + strings.Repeat(row, (1<<20)/len(row)) + "{}]"
	for i := 0; i < 40; i++ {
		write(filepath.Join("fixtures", "f"+strconv.Itoa(i)+".json"), big)
	}
	write("values.yaml", "name: web\napp: web\n"+strings.Repeat("# padding\n", 100000))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := SelectContext([]string{filepath.Join(dir, "k8s/app.yaml")}, ContextOptions{Roots: []string{dir}}, Options{Cwd: dir})
	runtime.ReadMemStats(&after)
	var names []string
	for _, g := range got {
		rel, _ := filepath.Rel(dir, g)
		names = append(names, filepath.ToSlash(rel))
	}
	if want := "k8s/app.yaml k8s/svc.yaml"; strings.Join(names, " ") != want {
		t.Errorf("selected %v, want %s", names, want)
	}
	// Each worker's read buffer grows to the largest file (1 MiB, doubling: 2 MiB of
	// allocations); 40 MiB kept would be the files themselves.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 && !raceEnabled {
		t.Errorf("SelectContext allocated %d MiB for 2 manifests beside 41 MiB of data", alloc>>20)
	}
}
