package rules

import "testing"

// TestOperatorToolOf: which image references name an operators' tool. Names a tool owns
// as a dash-separated part match; a name ending in -proxy or -gateway fronts the tool and
// does not; the exact names match only whole.
func TestOperatorToolOf(t *testing.T) {
	for _, c := range []struct{ image, want string }{
		{"grafana/grafana:11.2.0", "grafana"},
		{"docker.io/grafana/grafana-oss", "grafana"},
		{"quay.io/prometheus/prometheus:v2.54.1", "prometheus"},
		{"jaegertracing/all-in-one:1.60", "jaegertracing"},
		{"registry.k8s.io/prometheus-adapter/prometheus-adapter:v0.12.0", "prometheus"},
		{"cashee/grafana-proxy:latest", ""},
		{"quay.io/infinimesh/grafana-proxy:latest", ""},
		{"example/prometheus-gateway:1", ""},
		{"docker.io/fortio/fortio:latest_release", "fortio"},
		{"example/fortio-demo:1", ""},
		{"apache/spark:3.5.1", "spark"},
		{"example/spark-shop:2.1", ""},
		{"example/sparkjava-hello:1", ""},
		{"ghcr.io/spiffe/spire-server:1.5.4", "SPIRE"},
		{"ghcr.io/spiffe/spire-agent:1.5.4", ""},
		{"vitess/lite:v2.0.0-alpha5", "Vitess"},
		{"vitess/vtgate:v19.0.0", "Vitess"},
		{"vitess/guestbook:v2.0.0-alpha5", ""},
		{"example/lite:1", ""},
		{"nvcr.io/nim/meta/llama3-8b-instruct:1.0.0", ""},
		{"your.registry.tld/nginx-nim2:tag", "NGINX Instance Manager"},
		{"localhost:5000/nginx-nim2", "NGINX Instance Manager"},
		{"docker-registry.nginx.com/nap-dos/app_protect_dos_arb:1.1.1", "the NGINX App Protect DoS arbitrator"},
		{"phpmyadmin/phpmyadmin", "phpMyAdmin"},
		{"phpmyadmin:5.2-apache", "phpMyAdmin"},
		{"adminer:4", "Adminer"},
		{"dpage/pgadmin4:8.6", "pgAdmin"},
		{"example/phpmyadmin-theme-shop:1", ""},
		{"example/adminer-app:1", ""},
		{"tensorflow/tensorflow:2.15.0-jupyter", "Jupyter"},
		{"tensorflow/tensorflow:2.13.0-gpu-jupyter", "Jupyter"},
		{"jupyter/scipy-notebook:2023-10-20", "Jupyter"},
		{"quay.io/jupyter/base-notebook", "Jupyter"},
		{"tensorflow/tensorflow:2.15.0-gpu", ""},
		{"tensorflow/serving:2.15.0", ""},
		{"jupyterhub/k8s-hub:3.3.7", ""},
		{"quay.io/jupyterhub/configurable-http-proxy:4.6.1", ""},
		{"example/jupyter-notebook-app:1", ""},
		{"k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1", "the Kubernetes Dashboard"},
		{"gcr.io/google_containers/kubernetes-dashboard-amd64:v1.6.1", "the Kubernetes Dashboard"},
		{"kubernetesui/dashboard:v2.7.0", "the Kubernetes Dashboard"},
		{"docker.io/kubernetesui/dashboard-web:1.6.0", "the Kubernetes Dashboard"},
		{"kubernetesui/metrics-scraper:v1.0.8", "the Kubernetes Dashboard's metrics scraper"},
		{"example/dashboard:3", ""},
		{"example/sales-dashboard:1", ""},
		{"example/kubernetes-dashboard-proxy:1", ""},
	} {
		if got := operatorToolOf(c.image).Name; got != c.want {
			t.Errorf("operatorToolOf(%q) = %q, want %q", c.image, got, c.want)
		}
	}
}
