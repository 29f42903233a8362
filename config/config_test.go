package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func known(id string) bool { return id == "single-replica" || id == "single-upstream" }

func TestParseReportsEveryError(t *testing.T) {
	src := "edge: cloudfare\nrules:\n  single-replicas: off\n  single-upstream: loud\nroutes:\n  - match: api\n    handler_timeout: 3s\n  - match: /ok/\n    handler_timeout: 2m\nbackend: []\n"
	_, err := Parse(".no502.yaml", []byte(src), known, "single-replica", "single-upstream")
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("err %T %v, want Errors", err, err)
	}
	want := []string{
		`.no502.yaml:1:7: edge must be auto, cloudflare or none, got "cloudfare" (did you mean "cloudflare"?)`,
		`.no502.yaml:3:3: unknown rule "single-replicas" (did you mean "single-replica"?)`,
		`.no502.yaml:4:20: rules.single-upstream: `,
		`.no502.yaml:6:12: match must be a path prefix starting with /, got "api"`,
		`.no502.yaml:10:1: unknown key "backend" (did you mean "backends"?)`,
	}
	if len(es) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(es), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(es[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, es[i].Error(), w)
		}
	}
	// One problem is one *Error, as before.
	_, err = Parse(".no502.yaml", []byte("edge: nope\n"), known)
	var one *Error
	if !errors.As(err, &one) || one.Pos.Line != 1 {
		t.Errorf("single error: %T %v", err, err)
	}
}

func TestParseSuppress(t *testing.T) {
	src := "suppress:\n  - path: vendor/**\n    rules: [single-replica]\n    reason: upstream chart\n  - kind: Deployment\n    namespace: kube-*\n    name: coredns\n"
	c, err := Parse(".no502.yaml", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Suppress) != 2 {
		t.Fatalf("suppress: %+v", c.Suppress)
	}
	vendor, dns := c.Suppress[0], c.Suppress[1]
	if vendor.K8s() || !vendor.Covers("single-replica") || vendor.Covers("single-upstream") || vendor.Reason != "upstream chart" {
		t.Errorf("path entry: %+v", vendor)
	}
	c.dir = "/repo"
	if !c.MatchFile(vendor, "/repo/vendor/chart/a.yaml") || c.MatchFile(vendor, "/repo/k8s/a.yaml") || c.MatchFile(vendor, "/elsewhere/vendor/a.yaml") {
		t.Errorf("MatchFile of %q", vendor.Path)
	}
	if !dns.K8s() || !dns.Covers("anything") || !c.MatchFile(dns, filepath.FromSlash("/repo/any.yaml")) {
		t.Errorf("object entry: %+v", dns)
	}
	if !dns.MatchObject("Deployment", "kube-system", "coredns") || dns.MatchObject("Deployment", "", "coredns") || dns.MatchObject("DaemonSet", "kube-system", "coredns") {
		t.Errorf("MatchObject")
	}
	for _, bad := range []string{
		"suppress: {path: a}\n",
		"suppress:\n  - reason: everything\n",
		"suppress:\n  - path: a\n    rules: [nope]\n",
		"suppress:\n  - path: a\n    rule: [single-replica]\n",
		"suppress:\n  - name: \"[\"\n",
	} {
		if _, err := Parse(".no502.yaml", []byte(bad), known); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// routes: with every entry commented out (as no502 init writes it) is an empty list;
// any other scalar is still an error.
func TestParseRoutesCommentedOut(t *testing.T) {
	c, err := Parse(".no502.yaml", []byte("routes:\n  # - match: /api/\n  #   handler_timeout: ?\nedge: none\n"), known)
	if err != nil || len(c.Routes) != 0 || c.Edge.Value != EdgeNone {
		t.Fatalf("config %+v, err %v", c, err)
	}
	for _, src := range []string{"routes: /api/\n", "routes: {}\n", "routes: 0\n"} {
		if _, err := Parse(".no502.yaml", []byte(src), known); err == nil || !strings.Contains(err.Error(), "routes must be a list") {
			t.Errorf("%q: err %v", src, err)
		}
	}
}
