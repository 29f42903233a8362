package k8s

import (
	"slices"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestAPIServerCalls: an APIService's spec.service and the clientConfig.service of each
// webhook of a Validating or Mutating webhook configuration mark the Service they name
// (namespace and name both), with the object that names it; a webhook calling a URL, a
// Service of the same name in another namespace, and a CRD of another group named
// APIService mark nothing.
func TestAPIServerCalls(t *testing.T) {
	src := `apiVersion: v1
kind: Service
metadata: {name: adapter, namespace: monitoring}
---
apiVersion: v1
kind: Service
metadata: {name: hooks, namespace: policy}
---
apiVersion: v1
kind: Service
metadata: {name: hooks, namespace: default}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: monitoring}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.custom.metrics.k8s.io}
spec:
  service: {name: adapter, namespace: monitoring}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: policy-validation}
webhooks:
  - name: a.example.com
    clientConfig: {url: https://hooks.example.com/}
  - name: b.example.com
    clientConfig:
      service: {name: hooks, namespace: policy}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: policy-defaults}
webhooks:
  - name: c.example.com
    clientConfig:
      service: {name: hooks, namespace: policy}
---
apiVersion: example.com/v1
kind: APIService
metadata: {name: not-the-aggregator}
spec:
  service: {name: api, namespace: monitoring}
`
	m := Parse([]parsers.Input{{Path: "all.yaml", Src: []byte(src)}}, parsers.Options{})
	want := map[string][]string{
		"monitoring/adapter": {"APIService v1beta1.custom.metrics.k8s.io"},
		"policy/hooks":       {"ValidatingWebhookConfiguration policy-validation", "MutatingWebhookConfiguration policy-defaults"},
		"default/hooks":      nil,
		"monitoring/api":     nil,
	}
	for _, s := range m.Services {
		k := s.Namespace + "/" + s.Name
		if !slices.Equal(s.APIServerCalls, want[k]) {
			t.Errorf("%s: APIServerCalls %q, want %q", k, s.APIServerCalls, want[k])
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("Services not read: %v", want)
	}
}
