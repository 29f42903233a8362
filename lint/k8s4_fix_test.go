package lint

import (
	"context"
	"path/filepath"
	"testing"
)

// TestFixWritesScaledObjectAndOverlayReplicas: fixes the Kubernetes review (session 10)
// added pass the fix verification: a KEDA ScaledObject's minReplicaCount (the model's
// MinReplicas, which the check must know it names) and an overlay's replica patch in a
// Kustomize tree. After --fix their findings are gone.
func TestFixWritesScaledObjectAndOverlayReplicas(t *testing.T) {
	for dir, rule := range map[string]string{
		"../rules/testdata/k8s-keda-min-one":               "hpa-min-replicas",
		"../rules/testdata/k8s-kustomize-overlay-replicas": "single-replica",
	} {
		abs, _ := filepath.Abs(dir)
		res, err := Fix(context.Background(), nil, Options{Cwd: abs, UnsafeFixes: true})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(res.Changes()) == 0 {
			t.Errorf("%s: --fix changed nothing", dir)
		}
		for _, f := range res.Final.Findings {
			if f.Rule.ID == rule {
				t.Errorf("%s: %s left after --fix: %s (%s)", dir, rule, f.Message, f.Fix.Description)
			}
		}
	}
}
