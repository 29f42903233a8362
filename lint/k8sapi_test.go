package lint_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/no502/no502/lint"
)

// typed returns an empty object of the API type for a manifest's kind, nil for kinds the
// test does not know (CRDs, lists).
func typed(kind string) any {
	switch kind {
	case "Deployment":
		return &appsv1.Deployment{}
	case "StatefulSet":
		return &appsv1.StatefulSet{}
	case "DaemonSet":
		return &appsv1.DaemonSet{}
	case "ReplicaSet":
		return &appsv1.ReplicaSet{}
	case "Pod":
		return &corev1.Pod{}
	case "Service":
		return &corev1.Service{}
	case "ConfigMap":
		return &corev1.ConfigMap{}
	case "PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "Ingress":
		return &networkingv1.Ingress{}
	case "Job":
		return &batchv1.Job{}
	case "CronJob":
		return &batchv1.CronJob{}
	}
	return nil
}

// strictErrors decodes every document of a manifest into its API type with unknown
// fields as errors, and returns one error text per document ("" when it decodes or its
// kind is unknown).
func strictErrors(src []byte) []string {
	var out []string
	for _, doc := range bytes.Split(src, []byte("\n---")) {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if yaml.Unmarshal(doc, &head) != nil || head.Kind == "" {
			out = append(out, "")
			continue
		}
		obj := typed(head.Kind)
		if obj == nil || strings.Contains(head.APIVersion, "v1beta") || strings.Contains(head.APIVersion, "v2beta") {
			out = append(out, "")
			continue
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			out = append(out, head.Kind+": "+err.Error())
			continue
		}
		out = append(out, "")
	}
	return out
}

// TestFixedManifestsDecodeStrictly: every manifest `lint --fix` writes for the rules'
// testdata still decodes into the k8s.io/api types with no unknown field — the schema
// kubectl would check it against, which cannot be reached offline here. A document that
// did not decode before the fix (testdata may be deliberately odd) is not held to it.
func TestFixedManifestsDecodeStrictly(t *testing.T) {
	dirs, _ := filepath.Glob("../rules/testdata/*")
	checked := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		abs, _ := filepath.Abs(dir)
		fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: abs})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, c := range fr.Changes() {
			if ext := filepath.Ext(c.Path); ext != ".yaml" && ext != ".yml" {
				continue
			}
			before, after := strictErrors(c.Before), strictErrors(c.After)
			for i, e := range after {
				if e != "" && (i >= len(before) || before[i] == "") {
					t.Errorf("%s/%s: the fixed document %d no longer decodes strictly: %s", filepath.Base(dir), c.Path, i+1, e)
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no fixed manifest was checked: did the testdata move?")
	}
	t.Logf("%d fixed manifests decoded strictly", checked)
}
