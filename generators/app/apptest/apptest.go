// Package apptest writes, for generator tests, a Kubernetes Service and Deployment that
// run a given app server with its default keep-alive, so that a generated proxy block can
// be linted against the app behind it.
package apptest

import "fmt"

// Host is the Service DNS name the manifest's app answers on, port 8080.
const Host = "app.web.svc.cluster.local"

var commands = map[string]string{
	// A threaded worker: the sync worker closes every connection and never races.
	"gunicorn": `["gunicorn", "--worker-class", "gthread", "--bind", "0.0.0.0:8080", "app:app"]`,
	"uvicorn":  `["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080"]`,
	"node":     `["node", "server.js"]`,
	"puma":     `["bundle", "exec", "puma", "-p", "8080"]`,
}

// Manifest returns the Service and Deployment for app (a name generators/app knows).
func Manifest(app string) string {
	cmd, ok := commands[app]
	if !ok {
		panic("apptest: no command for " + app)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: app, namespace: web}
spec:
  selector: {app: app}
  ports: [{port: 8080, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
        - name: app
          image: example/app:1
          command: %s
          ports: [{containerPort: 8080}]
`, cmd)
}
