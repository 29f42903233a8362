package k8s

import "testing"

func TestControllerRelease(t *testing.T) {
	for image, want := range map[string]bool{
		"registry.k8s.io/ingress-nginx/controller:v1.12.1":                         true,
		"registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea76b01c592": true,
		"quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.32.0":    true,
		"docker.io/bitnami/nginx-ingress-controller:1.9.4-debian-11-r0":            true,
		"quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.27.0":    true,
		"quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.26.1":    false, // 300s in a release candidate
		"quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.25.1":    false, // 10s
		"registry.k8s.io/ingress-nginx/controller:latest":                          false,
		"registry.k8s.io/ingress-nginx/controller@sha256:594ceea76b01c592":         false,
		"registry.k8s.io/ingress-nginx/controller":                                 false,
		"localhost:5000/controller":                                                false,
		"registry.k8s.io/ingress-nginx/controller:${TAG}":                          false,
	} {
		if got := controllerRelease(image); got != want {
			t.Errorf("controllerRelease(%q) = %v, want %v", image, got, want)
		}
	}
}
