package evidence

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// run is one measurement: a fresh proxy and upstream, some traffic, the counts.
type run struct {
	config, traffic string
	fn              func(t *testing.T) Counts
}

// measure performs the runs side by side and returns their rows in order.
func measure(t *testing.T, runs ...run) []Row {
	t.Helper()
	rows := make([]Row, len(runs))
	t.Run("runs", func(t *testing.T) {
		for i, r := range runs {
			t.Run(r.config+"-"+strings.TrimRight(strings.Fields(r.traffic)[0], ","), func(t *testing.T) {
				t.Parallel()
				rows[i] = Row{Config: r.config, Traffic: r.traffic, Counts: r.fn(t)}
				t.Logf("%s %s: %s", r.config, r.traffic, rows[i].Counts)
			})
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	return rows
}

// expectFailures asserts that the row failed at least min times, every time with a
// status the rule's message claims (502 or 504): a transport error, a 503 or a 500 is
// not what the rule says happens, and does not prove it.
func expectFailures(t *testing.T, row Row, min int, want ...int) {
	t.Helper()
	if row.Counts.Failed() < min {
		t.Errorf("%s config, %s: want at least %d failed requests, got %s", row.Config, row.Traffic, min, row.Counts)
	}
	got := 0
	for _, w := range want {
		got += map[int]int{502: row.Counts.Bad502, 504: row.Counts.Bad504}[w]
	}
	if got != row.Counts.Failed() {
		t.Errorf("%s config, %s: want every failure to be a %v (the rule's claim), got %s", row.Config, row.Traffic, want, row.Counts)
	}
}

// expectNone asserts that every request of the row succeeded.
func expectNone(t *testing.T, row Row) {
	t.Helper()
	if row.Counts.Failed() != 0 {
		t.Errorf("%s config, %s: want no failed request, got %s", row.Config, row.Traffic, row.Counts)
	}
}

func url(port int, path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", port, path) }

// deployment is a Kubernetes Deployment and Service named api in namespace web whose
// container runs command: how no502 learns what app server runs behind a proxy that
// names the Service (api.web.svc.cluster.local).
func deployment(command string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: example/api:1
          command: ` + command + `
          ports:
            - name: http
              containerPort: 8000
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: web
spec:
  selector:
    app: api
  ports:
    - name: http
      port: 8000
      targetPort: http
`
}

const serviceAddr = "api.web.svc.cluster.local:8000"

func itoa(i int) string { return strconv.Itoa(i) }
