package parsers

// Declared is what .no502.yaml states about the request path where no file says it:
// chains of hops (chain:) and facts about app servers that cannot be detected
// (backends:). The rules package reads them from the config; the link step applies them.
type Declared struct {
	Chains   []DeclaredChain
	Backends []DeclaredBackend
}

// DeclaredChain is one chain: entry, outermost hop first.
type DeclaredChain struct {
	Pos   Pos
	Steps []DeclaredStep
}

// DeclaredStep names one layer of a chain: "cloudflare", a file ("nginx/nginx.conf"), or
// a file and an object in it ("terraform/alb.tf:aws_lb.hooks",
// "k8s/api.yaml:Deployment/api"), or an object alone ("Deployment/web/api").
type DeclaredStep struct {
	Ref string
	Pos Pos
}

// DeclaredBackend is one backends: entry: the app server behind a workload, with the
// values no502 cannot read from its command line.
type DeclaredBackend struct {
	Match  string // a workload reference, as in a chain step
	Pos    Pos
	Server Setting[string] // gunicorn, node, go, ...; empty: "declared"
	// KeepAlive is the app's idle keep-alive timeout, RequestTimeout how long it lets a
	// request run, Drain how long it drains in-flight requests on SIGTERM.
	KeepAlive      Duration
	RequestTimeout Duration
	Drain          Duration
}
