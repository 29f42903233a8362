// Command no502 finds the causes of 502 Bad Gateway and 504 errors in a deployment's
// configs (nginx, Caddy, Terraform for AWS load balancers and ECS, Kubernetes manifests)
// before they ship, and writes the corrected config.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
