package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/config"
	"github.com/no502/no502/rules"
)

// docs/no502.schema.json describes .no502.yaml for editors (yaml-language-server). These
// tests keep it equal to what config.Parse accepts: every config in the repository
// validates, crafted bad ones are rejected by both, and its rule IDs are the registry's
// (go test ./cmd/no502 -update rewrites that list).

const schemaPath = "../../docs/no502.schema.json"

func configSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	src, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("no502.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("no502.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlInstance turns YAML text into the JSON value an editor's YAML language server
// validates.
func yamlInstance(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("YAML: %v", err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestSchemaRuleIDs(t *testing.T) {
	src, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs struct {
			RuleID struct {
				Enum []string `json:"enum"`
			} `json:"ruleID"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rules.All() {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if slices.Equal(ids, doc.Defs.RuleID.Enum) {
		return
	}
	if !*update {
		t.Fatalf("docs/no502.schema.json lists rule IDs %v, the registry has %v: run go test ./cmd/no502 -update", doc.Defs.RuleID.Enum, ids)
	}
	idx := bytes.Index(src, []byte(`"ruleID"`))
	start := idx + bytes.Index(src[idx:], []byte(`"enum": [`)) + len(`"enum": `)
	end := start + bytes.IndexByte(src[start:], ']') + 1
	var b strings.Builder
	b.WriteString("[\n")
	for i, id := range ids {
		b.WriteString(`        "` + id + `"`)
		if i < len(ids)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("      ]")
	out := append(append(append([]byte{}, src[:start]...), b.String()...), src[end:]...)
	if err := os.WriteFile(schemaPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every .no502.yaml in the repository validates against the schema.
func TestSchemaAcceptsRepositoryConfigs(t *testing.T) {
	s := configSchema(t)
	n := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Name() != config.FileName {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if err := s.Validate(yamlInstance(t, src)); err != nil {
			t.Errorf("%s does not validate against docs/no502.schema.json: %v", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("found only %d configs", n)
	}
}

// The schema and the loader agree on crafted configs, good and bad.
func TestSchemaMatchesLoader(t *testing.T) {
	s := configSchema(t)
	cases := []struct {
		name, src string
		ok        bool
	}{
		{"empty", "", true},
		{"full", `routes:
  - match: /api/
    handler_timeout: 1m30s
  - match: /fast/
    handler_timeout: 500ms
edge: cloudflare
edge_timeout: 100s
rules:
  single-replica: off
  single-upstream: error
ignore: [legacy/, "**/*.bak"]
suppress:
  - path: charts/vendor/**
    rules: [single-replica, pdb-missing]
    reason: third-party chart
  - kind: Deployment
    namespace: kube-system
    name: core*
nginx_version: 1.28.0
probe_failure_window: 2m
lb_detection_window: 90s
chain: [cloudflare, nginx/nginx.conf, k8s/api.yaml:Deployment/api]
backends:
  - match: Deployment/web/api
    server: gunicorn
    keep_alive: 5s
deregistration_margin: 0
deregistration_overhang: 30s
`, true},
		{"chains", "chain:\n  - [a, b]\n  - [c, d, e]\n", true},
		{"routes all commented out", "routes:\n  # - match: /api/\n  #   handler_timeout: ?\n", true},
		{"severity spellings", "rules:\n  single-replica: Warning\n  single-upstream: warn\n  pdb-missing: OFF\n", true},
		{"unknown key", "timeout: 3s\n", false},
		{"unknown route key", "routes:\n  - match: /a/\n    handler_timeout: 3s\n    method: GET\n", false},
		{"route without budget", "routes:\n  - match: /a/\n", false},
		{"match not a path", "routes:\n  - match: api\n    handler_timeout: 3s\n", false},
		{"duration without unit", "edge_timeout: 90\n", false},
		// 0 means nothing for these: refused by both (session 15).
		{"zero edge timeout", "edge_timeout: 0s\n", false},
		{"zero edge timeout, plain", "edge_timeout: 0\n", false},
		{"zero handler budget", "routes:\n  - match: /a/\n    handler_timeout: 0ms\n", false},
		{"zero probe window", "probe_failure_window: 0m0s\n", false},
		{"zero lb window", "lb_detection_window: .0s\n", false},
		{"small lb window", "lb_detection_window: 0.5s\n", true},
		{"min read timeout 0s is off", "min_read_timeout: 0s\n", true},
		{"duration words", "probe_failure_window: fast\n", false},
		{"bad edge", "edge: akamai\n", false},
		{"unknown rule", "rules:\n  no-such-rule: off\n", false},
		{"unknown severity", "rules:\n  single-replica: loud\n", false},
		{"rules not a mapping", "rules: [single-replica]\n", false},
		{"suppress without target", "suppress:\n  - rules: [single-replica]\n", false},
		{"suppress unknown key", "suppress:\n  - path: a/**\n    file: b\n", false},
		{"suppress unknown rule", "suppress:\n  - path: a/**\n    rules: [nope]\n", false},
		{"bad nginx version", "nginx_version: latest\n", false},
		{"chain of one", "chain: [a]\n", false},
		{"backend without facts", "backends:\n  - match: Deployment/api\n", false},
		{"backend without match", "backends:\n  - keep_alive: 5s\n", false},
		{"not a mapping", "- routes\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, lerr := config.Parse(config.FileName, []byte(c.src), rules.Known)
			serr := s.Validate(yamlInstance(t, []byte(c.src)))
			if (lerr == nil) != c.ok {
				t.Errorf("loader: err %v, want ok=%v", lerr, c.ok)
			}
			if (serr == nil) != c.ok {
				t.Errorf("schema: err %v, want ok=%v", serr, c.ok)
			}
		})
	}
}
