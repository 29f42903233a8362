package parsers

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Format names, as File.Format and Hop.Format carry them.
const (
	FormatNginx     = "nginx"
	FormatCaddy     = "caddy"
	FormatTerraform = "terraform"
	FormatK8s       = "k8s"
	FormatCompose   = "compose"
)

// File is one source file that was read. Src is kept so reports can show the offending
// line and fixes can cut out and splice blocks.
type File struct {
	Path   string // as shown to the user (relative to the working directory when inside it)
	Format string
	Src    []byte
	// IncludedBy is set on a file pulled in by an nginx include or a Caddy import: the
	// position of the include directive. Such files are analysed in the including file's
	// context, not on their own.
	IncludedBy *Pos
	// Fragment is set by the nginx parser on a file read as an input that is not a main
	// nginx.conf (no top-level http or events: conf.d/app.conf, sites-enabled/x). With no
	// IncludedBy, nothing read includes it, and it is analysed on its own, with nginx's
	// defaults for the blocks that would hold it.
	Fragment bool
	// Host is set on config text embedded in another file (nginx.conf held in a ConfigMap):
	// Path names the virtual file ("cm.yaml#nginx.conf"); positions inside it are in
	// its own text, and Model.HostPos maps them to the host file.
	Host string
	// Blocks are the byte ranges of a native-syntax HCL file's top-level blocks, in file
	// order, set by the Terraform parser: a fix formats and re-parses only the blocks it
	// changes.
	Blocks []Pos
	// Embedding is set on embedded text (with Host): where it sits in the host file, so
	// that a fix's edits of the text can be written into the host.
	Embedding *Embedded
	// Comments are the file's comments as its parser read them, in file order: each
	// spans its opener ('#' or '//') to the end of its line (Offset and EndOffset index
	// Src). Suppressions (no502:ignore) are read from them, so a '#' inside a string is
	// never one. The nginx and Caddy parsers set them for every file; the Terraform parser
	// only for files that mention SuppressMarker (see parsers/terraform); YAML files have
	// none (yaml.v3 keeps comment text without positions; k8s.CommentStart and
	// k8s.CommentIn find them).
	Comments []Pos
	// Rendered lists the documents of a Kubernetes file that a tool generated from a file
	// the user edits (helm template, kustomize build), in file order; nil for a file
	// written by hand. Set by the Kubernetes parser.
	Rendered []Rendered
	// Shared are the spans of a file whose text is read into more than one place: in
	// Terraform, an object a local (or a variable's default) holds, which a module input's
	// entry merges (api = merge(local.base, {...})); in a Kubernetes manifest, a mapping
	// that YAML merge keys (<<: *defaults) read into others. Set by those parsers; a fix
	// that edits inside one would change each place that reads it, so it is a snippet.
	Shared []Pos
}

// Rendered is a document a tool generated from a source the user edits: a Helm template,
// named by the "# Source: chart/templates/x.yaml" comment helm template writes above
// each document, or a Kustomize resource, named by the config.kubernetes.io/origin
// annotation kustomize adds with buildMetadata: [originAnnotations]. A finding in it names
// that source (the rendered text is regenerated on the next render: an edit of it is
// lost), and lint --fix writes no fix into it.
type Rendered struct {
	Line, EndLine int    // the document's first and last line (1-based, inclusive)
	From          string // the source as the tool names it: "mychart/templates/deployment.yaml"
	By            string // "helm" or "kustomize"
	// The object the document holds (empty for a List), so that a fix's patch, which
	// names its object, can be traced to the document.
	Kind, Namespace, Name string
}

// RenderedAt returns the rendered document holding line, if any.
func (f *File) RenderedAt(line int) (Rendered, bool) {
	if f == nil {
		return Rendered{}, false
	}
	i := sort.Search(len(f.Rendered), func(i int) bool { return f.Rendered[i].EndLine >= line })
	if i < len(f.Rendered) && f.Rendered[i].Line <= line {
		return f.Rendered[i], true
	}
	return Rendered{}, false
}

// SuppressMarker opens a suppression comment (no502:ignore, no502:ignore-file).
const SuppressMarker = "no502:ignore"

// Model is everything the parsers learned from one run: the layers of the request path
// and the problems met while reading. Parsers append to it; the link step connects its
// parts; rules read it.
type Model struct {
	Files     []*File
	Hops      []*Hop
	Backends  []*Backend
	Workloads []*Workload
	Services  []*Service
	// PDBs are the PodDisruptionBudgets of the run, whatever they select (a new PDB a fix
	// writes must not take the name of one).
	PDBs  []*PDB
	Diags []Diag
	// Embedded is config text found inside another file (an nginx.conf or Caddyfile in a
	// ConfigMap). The loader parses it with the right format parser; its positions stay
	// in its own text (see Model.HostPos).
	Embedded []Embedded
	// PHPPools holds the php-fpm pools of each pool file a Compose service mounts
	// (php/www.conf), by the file's display path; the link step gives the php-fpm
	// containers mounting them their request_terminate_timeout.
	PHPPools map[string][]*PHPPool
}

// Embedded is config text of one format held inside a file of another.
type Embedded struct {
	Format string // FormatNginx or FormatCaddy
	// Path names the virtual file ("k8s/proxy.yaml#nginx.conf"; a second ConfigMap of the
	// same file with an entry of that name: "k8s/proxy.yaml#staging/edge/nginx.conf"); Key
	// is the entry's key ("nginx.conf"); Src is the text.
	Path string
	Key  string
	Src  []byte
	// Host is the file that holds it; Line and Col are where the text's first character
	// sits in Host; Indent is the number of columns stripped from every following line
	// (a YAML block scalar's indentation).
	Host   string
	Line   int
	Col    int
	Indent int
	// Owner names the object holding it ("ConfigMap/default/nginx-conf"), so the link
	// step can find the workload that mounts it.
	Owner string
}

// HostPos maps a span of config text embedded in another file (nginx.conf held in a
// ConfigMap) to where that text sits in its host file, as a //line directive maps a
// go/token position: the model keeps every position in the text it was parsed from, so
// offsets, lines and blocks agree, and what is shown to the user (findings, diagnostics,
// the graph) or written into the host goes through here. Any other span is returned as
// it is.
func (m *Model) HostPos(p Pos) Pos {
	if m == nil || strings.IndexByte(p.File, '#') < 0 {
		return p // embedded paths are "host#entry"; most positions are not embedded
	}
	if f := m.File(p.File); f != nil && f.Embedding != nil {
		return f.Embedding.MapPos(p)
	}
	return p
}

// MapPos maps p, a span of the embedded text, to the host file: its lines move down to
// where the text starts, its columns right by the block's indentation (the first line's by
// where the text starts on it). Offsets stay those of the embedded text: edits of the
// host are made from edits of the text by the format's own edit code (k8s.HostEdits).
func (e Embedded) MapPos(p Pos) Pos {
	if p.File != e.Path {
		return p
	}
	col := func(line, col int32) int32 {
		if line == 1 {
			return int32(e.Col) + col - 1
		}
		return int32(e.Indent) + col
	}
	out := p
	out.File = e.Host
	if p.Line > 0 {
		out.Line = int32(e.Line) + p.Line - 1
		out.Col = col(p.Line, p.Col)
	}
	if p.EndLine > 0 {
		out.EndLine = int32(e.Line) + p.EndLine - 1
		out.EndCol = col(p.EndLine, p.EndCol)
	}
	return out
}

// File returns the file with the given path, or nil.
func (m *Model) File(path string) *File {
	for _, f := range m.Files {
		if f.Path == path {
			return f
		}
	}
	return nil
}

// Merge appends everything in o to m.
func (m *Model) Merge(o *Model) {
	if o == nil {
		return
	}
	m.Files = append(m.Files, o.Files...)
	m.Hops = append(m.Hops, o.Hops...)
	m.Backends = append(m.Backends, o.Backends...)
	m.Workloads = append(m.Workloads, o.Workloads...)
	m.Services = append(m.Services, o.Services...)
	m.PDBs = append(m.PDBs, o.PDBs...)
	m.Diags = append(m.Diags, o.Diags...)
	m.Embedded = append(m.Embedded, o.Embedded...)
}

// HopKind says what a hop is.
type HopKind string

// Hop kinds.
const (
	HopNginx        HopKind = "nginx"         // an nginx server{} block
	HopCaddy        HopKind = "caddy"         // a Caddy site block
	HopALB          HopKind = "alb"           // an AWS application load balancer
	HopNLB          HopKind = "nlb"           // an AWS network load balancer
	HopCLB          HopKind = "clb"           // an AWS classic load balancer (aws_elb)
	HopIngressNginx HopKind = "ingress-nginx" // an Ingress served by the ingress-nginx controller
	HopALBIngress   HopKind = "alb-ingress"   // an Ingress (or Service) served by the AWS Load Balancer Controller
	HopGateway      HopKind = "gateway"       // a Gateway API HTTPRoute
	HopGCEIngress   HopKind = "gce-ingress"   // an Ingress annotated with class gce: GKE's external Application Load Balancer
	HopCloudflare   HopKind = "cloudflare"    // Cloudflare's proxy, declared or detected
)

// Hop is one proxy or load-balancer layer on the request path.
type Hop struct {
	Kind   HopKind
	Format string
	Name   string // server_name, site address, resource address, Ingress namespace/name
	Pos    Pos    // where the hop is defined: the server{} line, resource header, object
	Block  Pos    // the hop's whole source, for fix snippets

	// Passthrough is set on a hop that passes TCP through instead of answering HTTP: a
	// Service of type LoadBalancer that the AWS Load Balancer Controller provisions as an
	// NLB (modelled as an alb-ingress hop for its target group and health check). It
	// answers no request with a status of its own.
	Passthrough bool

	// Listen is what an nginx or Caddy hop accepts connections on, as written: nginx
	// listen addresses ("80", "127.0.0.1:8079", "[::]:443"), Caddy site addresses
	// (":8081", "localhost:9000", "http://app.localhost"). An upstream that is one of
	// them is the proxy calling itself (an auth_request or njs subrequest), not an app.
	Listen []string
	// ServerNames are an nginx server's names (every server_name argument, lowercased):
	// of several servers on one port, nginx picks the one whose name matches the
	// request's Host header (Route.ReachedHops). nil for other hops.
	ServerNames []string

	// Version is the product version when known (nginx_version from .no502.yaml).
	Version Setting[string]

	// ClientIdleTimeout: how long the hop keeps an idle client (downstream) connection
	// open. nginx keepalive_timeout, Caddy servers.timeouts.idle, ALB idle_timeout.
	ClientIdleTimeout Duration

	// ResponseTimeout: how long the hop lets a request run, from the end of its headers
	// to the last byte of its response, before it closes the connection (Caddy servers
	// timeouts write, JSON write_timeout: Go's http.Server.WriteTimeout; default none, 0).
	// A response still being waited for then never reaches the client: caddy 2.6.2 on
	// loopback with write 2s and an upstream answering after 3s gave curl "Empty reply
	// from server" after 3s. Not Known for other hops.
	ResponseTimeout Duration

	// ErrorStatus is the status a client gets in place of the hop's own error status
	// (Caddy's 502 for a failed upstream, 504 for its timeout, 503 for no upstream
	// available): Caddy's handle_errors answering every error with one status (`respond
	// "..." 503`) sets it, at that respond. Default 0: the hop's own status reaches the
	// client (no handle_errors, or one that keeps it: a respond without a status, a
	// file_server error page; caddy 2.6.2 on loopback). Not Known when handle_errors may
	// answer otherwise (a matcher, a reverse_proxy to a fallback, a redirect).
	ErrorStatus Setting[int]

	// ShutdownTimeout: how long the hop waits for in-flight requests on shutdown. nginx
	// worker_shutdown_timeout (unset: forever), Caddy grace_period (unset: forever),
	// ingress-nginx worker-shutdown-timeout.
	ShutdownTimeout Duration
	// ShutdownDelay: how long the hop keeps serving after the shutdown signal before it
	// starts to drain (Caddy shutdown_delay).
	ShutdownDelay Duration

	// Edge names an edge proxy known to sit in front of this hop ("cloudflare"), with the
	// position of the signal (real_ip_header CF-Connecting-IP, a proxied cloudflare_record).
	Edge Setting[string]
	// CDNs are the CloudFront distributions in front of this load balancer: each names
	// it (its dns_name) as the origin of its default cache behavior. Terraform only.
	CDNs []CDNOrigin

	Routes []*Route
	// locations is an nginx server's location tree, every location in config order, so
	// that which one answers a path is decided as nginx does (ServingRoute, ServesUnder);
	// nil for other hops. Unexported: an index of the routes, not settings (a fix check
	// comparing models walks the exported fields).
	locations *Locations
	// DefaultFor lists the listen addresses (as in Listen) on which an nginx server is
	// the default_server: it gets the requests whose Host matches no server_name there.
	DefaultFor []string
	// OtherPass is set when the hop hands some requests to an app by a pass the model does
	// not follow: nginx fastcgi_pass, uwsgi_pass, scgi_pass, grpc_pass, memcached_pass;
	// Caddy php_fastcgi.
	OtherPass bool

	// Workload runs this proxy (an nginx or Caddy container), once linked.
	Workload *Workload
}

// Forwards reports whether the hop passes any request on to an app. A hop that forwards
// nothing is the app itself (a static site): it cannot answer 502 for a dead backend.
func (h *Hop) Forwards() bool {
	if h.OtherPass {
		return true
	}
	for _, r := range h.Routes {
		if r.Backend != nil {
			return true
		}
	}
	return false
}

// Route is one path a hop forwards: an nginx location, a Caddy reverse_proxy, an ALB
// listener rule, an Ingress path.
type Route struct {
	Hop      *Hop
	Path     string // the path it serves; "/" for everything
	PathKind PathKind
	Pos      Pos // the block or line that defines the route
	Block    Pos // its whole source, for fix snippets
	// Host is the Host header a request must carry to take the route, when the route
	// says it (an Ingress rule's host, an ALB listener rule's host_header: ingress-nginx
	// and the ALB pass it on to the upstream); "" for any.
	Host string

	// ReadTimeout: how long the hop waits for the upstream's response (between reads
	// for nginx, for the headers for Caddy, idle either way for an ALB).
	ReadTimeout    Duration
	ConnectTimeout Duration
	SendTimeout    Duration
	// RequestTimeout is a Gateway API HTTPRoute rule's timeouts.request when its
	// ReadTimeout is timeouts.backendRequest (one try at the backend): the bound of the
	// whole request, retries included, which a fix raising backendRequest must not lower.
	// nil for every other route.
	RequestTimeout *Duration
	// Pass names the nginx module that forwards the route when it is not HTTP proxying:
	// "fastcgi", "uwsgi", "scgi" or "grpc" (fastcgi_pass, ...). Its timeouts are that
	// module's (fastcgi_read_timeout, ...); such a route has no Backend: the model does
	// not follow those protocols to an app. "" for proxy_pass and every other format.
	Pass string

	Retry RetryPolicy

	// InheritsFrom is the route whose settings this one takes, written elsewhere: an
	// ingress-nginx canary Ingress's path takes the main Ingress's timeouts and retries
	// (the canary's own annotations are ignored), so a fix changes them there. nil for
	// every other route.
	InheritsFrom *Route

	// Upstream protocol settings needed for keep-alive to the backend (nginx before
	// 1.29.7 closes upstream connections unless both are set).
	HTTPVersion      Setting[string]
	ConnectionHeader Setting[string]
	// Headers are the effective headers the hop sets toward the upstream (nginx
	// proxy_set_header lines as written, after inheritance), in order. A fix that adds
	// one to a location must copy the inherited ones, which nginx would otherwise drop.
	// For a Caddyfile reverse_proxy, the header_up lines that set Host ("Host
	// {upstream_hostport}"), and for an ingress-nginx path the upstream-vhost annotation
	// ("Host internal.example.com"), which decide the Host header its upstream gets.
	Headers []Setting[string]
	// FailoverTo is where nginx sends a request whose upstream failed with 502 instead of
	// answering the error: the target of an error_page listing 502 in effect for the
	// location (a named location "@retry", a URI, a URL), as written; nil when there is
	// none. (Pointers: most routes have neither this nor HeadersUnread, and every model
	// holds thousands of routes.)
	FailoverTo *Setting[string]
	// TimeoutTo is the same for nginx's own 504 (a read timeout): the target of an
	// error_page listing 504, which gets the request again when it forwards (nginx
	// 1.22.1 on loopback: error_page 504 = @slow re-sent a GET and a POST past a 1s
	// proxy_read_timeout to @slow, 200).
	TimeoutTo *Setting[string]
	// AuthFor names the nginx location whose auth_request subrequest this route answers
	// ("location /api/"), "" for an ordinary route. A failure here (a 502, a 504) is not
	// what the client sees: auth_request answers 500 to the request it guards.
	AuthFor string
	// HeadersUnread is set when an include in the location or a block around it was not
	// read and may hold proxy_set_header lines (a file outside the linted paths, the stock
	// proxy_params, a glob that matched nothing here): Headers may then miss some, and a
	// location that gets a proxy_set_header of its own stops inheriting them. The include
	// as written, at its position; nil when every include around it was read.
	HeadersUnread *Setting[string]

	// WebSocket is set when the route takes only WebSocket upgrades: a Caddy matcher
	// on the Upgrade (or Connection: Upgrade) request header, Caddy's documented
	// recipe. Its read timeouts cover only the handshake.
	WebSocket bool

	// ProxyPass is what forwards the route, as written: nginx's proxy_pass URL
	// ("https://app:8443"), so that a fix can copy it; unknown for other formats.
	ProxyPass Setting[string]

	// Respond is set when the hop answers the path itself (nginx return, Caddy respond)
	// instead of forwarding it.
	Respond *Respond
	// TakenFirst are paths whose requests never reach the route although it serves
	// them by Path: something that runs first takes them (Caddy's sibling handle blocks,
	// the adapter's grouped routes, run only the first whose matcher holds, so
	// `handle { respond 200 }` does not answer what a `handle @api` sorted before it
	// matches). A PathRegex entry stands for paths the model cannot read: any path.
	// ServingRoute does not give the route for a path one of them may match.
	TakenFirst []RoutePath
	// LoopsTo is set on an nginx route whose proxy_pass connects back to its own server
	// (proxy_pass http://127.0.0.1:8080 in a server that listens on 8080 and gets the
	// forwarded request again): the listen line it reaches, as written. Every request
	// to the route is forwarded to itself until nginx runs out of connections. nil
	// otherwise, and whenever that is not certain.
	LoopsTo *Setting[string]

	Backend *Backend
	// Alternatives are the nginx upstream{} blocks a proxy_pass to a map{}'s variable
	// may reach: with proxy_pass http://$backend and map $host $backend { default app1;
	// api.example.com app2; }, each request goes to the upstream{} its value names
	// (nginx looks a name evaluated per request up among the upstream{} blocks first).
	// Backend is then the variable address, of which nothing is known. Only the values
	// naming an upstream{} are listed (a split_clients{} is read as a map). Rules about
	// an upstream's own servers find the route through Reaches; the link step links
	// each alternative as a Backend, and the route-based rules that follow them
	// (upstream-dns-resolved-once, keepalive-race, app-timeout-exceeds-proxy and the
	// handler budget, the Compose rules through composeRoutes) say which requests the
	// map sends there. Nil for every other route.
	Alternatives []*Backend
	// PassBackend is what a fastcgi_pass route hands requests to (the address it names),
	// kept apart from Backend: the rules about HTTP upstreams (pools, keep-alive,
	// retries) do not apply to FastCGI. The link step sets its Workloads to the php-fpm
	// services it reaches, whose request_terminate_timeout is then the route's handler
	// budget. Nil for every other route.
	PassBackend *Backend
}

// Via is route r as it forwards to be: r itself for its Backend, and for an upstream{}
// of its map (Alternatives) a copy whose Backend is be, so that what is read from the
// backend (the hops and ports it reaches, the Host nginx sends them, $proxy_host being
// the upstream's name) is be's, and the route's own settings (timeouts, headers,
// retries) stay r's.
func (r *Route) Via(be *Backend) *Route {
	if be == r.Backend {
		return r
	}
	alt := *r
	alt.Backend, alt.Alternatives = be, nil
	return &alt
}

// Reaches reports whether the route forwards requests to b: its Backend, or one of
// its Alternatives.
func (r *Route) Reaches(b *Backend) bool {
	return r.Backend == b || slices.Contains(r.Alternatives, b)
}

// PHPPool is a php-fpm pool ([www] in www.conf) as the pool files no502 read define it.
type PHPPool struct {
	Name string
	Pos  Pos // the [name] line
	// RequestTerminateTimeout is request_terminate_timeout as the pool sets it (0: off,
	// php-fpm's default); not Known when no file sets it, or sets a value php-fpm refuses.
	RequestTerminateTimeout Duration
}

// RetryPolicy is what the hop does when an upstream fails.
type RetryPolicy struct {
	// Conditions on which the next upstream is tried; ["off"] disables retries.
	Conditions Setting[[]string]
	Tries      Setting[int]
	Timeout    Duration // total time spent retrying (Caddy lb_try_duration)
}

// KeepAliveReplaced is an nginx upstream's keepalive (as written) and the balancing
// directive after it that replaces it.
type KeepAliveReplaced struct {
	Keepalive Setting[int]
	Balancer  Setting[string]
}

// RoutePath is a set of request paths: one path (PathExact), those under a prefix
// (PathPrefix), or any path (PathRegex: what the model cannot read).
type RoutePath struct {
	Path string
	Kind PathKind
	// NamedHost is set when the set also requires a Host header that a Caddy host
	// matcher names (`@app host app.example.com`: DNS names only, no address, placeholder
	// or bare *): a request whose Host is an IP address, as a load balancer's health
	// check and a kubelet's probe without a Host header send, is never in it.
	NamedHost bool
}

// MayMatch reports whether a request for path may be in the set.
func (p RoutePath) MayMatch(path string) bool {
	switch p.Kind {
	case PathExact:
		return path == p.Path
	case PathPrefix:
		return strings.HasPrefix(path, p.Path)
	}
	return true
}

// A CDNOrigin is a CloudFront distribution's origin that sends the requests of its
// default cache behavior to a load balancer.
type CDNOrigin struct {
	// Name is "aws_cloudfront_distribution.cdn origin \"alb\"".
	Name string
	// Pos is the origin's custom_origin_config block (where origin_read_timeout goes),
	// or the origin block when it has none.
	Pos Pos
	// ReadTimeout is origin_read_timeout: how long CloudFront waits for the origin's
	// response (30s by default) before it answers the viewer 504.
	ReadTimeout Duration
	// Elsewhere are the path patterns of the ordered cache behaviors that send requests
	// to another origin ("*" for one whose pattern or origin cannot be read): requests
	// they match never reach this origin.
	Elsewhere []string
}

// Respond is a hop answering a request itself.
type Respond struct {
	Status Setting[int]
	Pos    Pos
	Text   string // the directive as written
}

// Backend is a set of targets a route forwards to: an nginx upstream{} or literal
// proxy_pass address, Caddy's upstreams, a target group, a Kubernetes Service.
type Backend struct {
	Kind  BackendKind
	Name  string
	Pos   Pos
	Block Pos
	// CloudName is the name the cloud knows the backend by, when the config says it: an
	// AWS target group's name (Terraform's name attribute; the name in a
	// TargetGroupBinding's targetGroupARN). The link step joins backends that share one.
	CloudName string

	Targets []*Target

	// KeepAliveConns: idle upstream connections kept open (nginx keepalive N). A zero
	// explicit value means keep-alive is off.
	KeepAliveConns Setting[int]
	// KeepAliveReplaced is set when an nginx upstream's keepalive is followed by a
	// load-balancing directive (least_conn, hash, ip_hash, random): before nginx 1.29.7
	// that replaces the keepalive module's hook ("load balancing method redefined"), and
	// the upstream keeps no idle connections (KeepAliveConns is then 0). Nil otherwise.
	KeepAliveReplaced *KeepAliveReplaced
	// KeepAliveIdle: how long this side keeps an idle upstream connection before closing
	// it (nginx upstream keepalive_timeout, Caddy keepalive, ALB idle_timeout).
	KeepAliveIdle Duration

	Health  *HealthCheck // active health check; nil when there is none
	Passive PassiveHealth

	DeregistrationDelay Duration
	// ConnectionTermination is an NLB target group's connection_termination: when true,
	// the load balancer closes the connections still open to a deregistered target at
	// the end of the deregistration delay (written settings only; unknown otherwise).
	ConnectionTermination Setting[bool]
	LBPolicy              Setting[string]
	// Protocol is what an AWS target group's load balancer speaks to its targets, upper
	// case: HTTP or HTTPS (an ALB), TCP, TLS, UDP or TCP_UDP (an NLB), GENEVE (a Gateway
	// Load Balancer). Empty when not known, and for other backends.
	Protocol string
	// TargetType is an AWS target group's target_type (instance, ip, lambda, alb); empty
	// when not known, and for other backends.
	TargetType string
	// TrafficPorts are the ports the load balancer sends requests to on its targets, as
	// the config says: a classic ELB listener's instance_port, the port a target group
	// attachment, an ECS service (container_port) or an autoscaling group registers
	// targets with, or the target group's own port for instance targets registered out
	// of sight. Empty when the config does not say (ip targets registered elsewhere).
	TrafficPorts []TrafficPort
	// Zone is set on an nginx upstream{} with a zone directive (shared memory, which
	// server ... resolve needs).
	Zone bool

	// Service and Workloads: what serves this backend, once linked.
	Service   *Service
	Workloads []*Workload
	// Backups are the Compose services that the backup servers of an nginx upstream name
	// (server blue:80 backup), once linked: nginx sends them the requests the active
	// servers fail (a refused connect, with the default proxy_next_upstream) and every
	// request while those are marked down. They are not in Workloads: no check reads them
	// as what answers the backend.
	Backups []*Workload
	// Reaches narrows which containers of Workloads receive this backend's traffic (the
	// others may serve another Service or target group): see Reach. Empty: every serving
	// container of the workloads.
	Reaches []Reach
	// Hops are the proxies that serve this backend (an nginx running in its workloads'
	// pods, or the next entry of a chain: in .no502.yaml), set by the link step.
	Hops []*Hop
	// Swaps are the target groups a blue/green deployment moves this one's traffic to
	// and back from (the other target group of a CodeDeploy deployment group's
	// target_group_pair_info, an ECS service's alternate_target_group_arn): the listeners
	// forward to one of them at a time, and which one changes with every deployment, so
	// the routes to one are the routes to each.
	Swaps []*Backend
}

// Reach is where a backend's traffic enters its workloads' pods or tasks: the container
// named Container (an ECS load_balancer's container_name), or the container that declares
// Port (a Kubernetes Service port's targetPort, a name or a number). An empty Reach is
// an entry not known (a container_name from a variable): any container.
type Reach struct {
	Container string
	Port      string
}

// TrafficPort is one port a load balancer sends requests to on a backend's targets.
type TrafficPort struct {
	Port Setting[int]
	// Protocol is what the load balancer speaks to the port (HTTP, HTTPS, TCP, TLS,
	// UDP, SSL), upper case; empty when not known.
	Protocol string
	// From names what decides the port: "listener lb_port 443", a target group
	// attachment's or an ECS service's address; empty for the target group's own port.
	From string
	// Workload is the name of the ECS service whose tasks are registered on the port.
	Workload string
	// GroupPort: the port is the target group's own, which targets registered without
	// one get.
	GroupPort bool
}

// Target is one upstream server.
type Target struct {
	Address string // as written: "10.0.0.5:8080", "app:8080", "unix:/run/app.sock"
	Host    string
	Port    string
	Pos     Pos
	IP      bool // Host is an IP literal
	Local   bool // localhost, 127.0.0.0/8, ::1
	Unix    bool // a unix socket
	Backup  bool
	Down    bool
	// Resolve is set on an nginx upstream server with the resolve parameter: nginx
	// re-resolves its name while running (needs a zone in the upstream and a resolver).
	Resolve bool
	// Service is the Kubernetes Service the host names, once linked.
	Service *Service
	// Compose is the Docker Compose service the host names (its service name, an alias,
	// its container_name), once linked: Docker's DNS answers it with the addresses of
	// the service's containers at the time of the lookup.
	Compose *Workload

	MaxFails    Setting[int]
	FailTimeout Duration

	// Env is set on a target whose address is written with references to the
	// environment the proxy reads as it starts (Caddy's {$API_HOST}, an nginx template's
	// ${BACKEND_HOST}): the parser leaves Host empty (unknown), and the link step, once it
	// knows the container that runs the proxy, fills it in from that container's
	// environment (Target.FillFromEnv).
	Env *EnvAddress
}

// EnvLookup says what a container's environment holds for a variable: its value (set
// and known), set to a value no file shows (set, not known), or not set.
type EnvLookup func(name string) (value string, set, known bool)

// HealthCheck is an active health check.
type HealthCheck struct {
	Pos                Pos
	Block              Pos
	Enabled            Setting[bool]
	Protocol           Setting[string]
	Path               Setting[string]
	Port               Setting[string]
	Interval           Duration
	Timeout            Duration
	HealthyThreshold   Setting[int]
	UnhealthyThreshold Setting[int]
	Matcher            Setting[string] // status codes that count as healthy: "200", "200-399"
}

// PassiveHealth is failure accounting on live traffic (nginx max_fails, Caddy
// fail_duration).
type PassiveHealth struct {
	Enabled     Setting[bool]
	MaxFails    Setting[int]
	FailTimeout Duration
}

// Workload is something that runs the app: a Kubernetes workload, an ECS service, an
// autoscaling group.
type Workload struct {
	Kind      WorkloadKind
	Format    string
	Name      string
	Namespace string
	// APIVersion is a Kubernetes object's apiVersion as written ("apps/v1"); "" elsewhere.
	APIVersion string
	Pos        Pos
	Block      Pos
	Labels     map[string]string
	// HostNetwork: the pods use the node's network namespace (hostNetwork: true), so a
	// containerPort is a port of the node.
	HostNetwork bool

	Replicas Setting[int]
	// Mesh names the service-mesh proxy injected into the pods ("istio", "linkerd"), by
	// the pod template's annotation or label or its Namespace's label, among the run's
	// files; "" when none is known. The proxy takes every inbound connection, so what
	// sends to the pods holds its connections to the proxy, not to the app.
	Mesh string
	// MeshInbound is what the pod's annotations say about the inbound ports its mesh
	// proxy takes (Istio's traffic.sidecar.istio.io/excludeInboundPorts and
	// includeInboundPorts, Linkerd's config.linkerd.io/skip-inbound-ports and
	// opaque-ports); nil when they say nothing.
	MeshInbound *MeshInbound
	// Builds are the Kustomize builds of the run that include this object's file (each
	// kustomization no other one of the run includes, and what it makes of the object);
	// nil when no kustomization of the run lists the file. Kustomize reading (parsers/k8s).
	Builds []Build
	// PatchedIn lists the Kustomize builds of the run (their root kustomization files)
	// that apply this object's file as a strategic-merge patch: two definitions of one
	// object meet only in a build that has them both (sibling overlays' patches never do).
	PatchedIn []string
	// MinReplicas is the floor an autoscaler keeps (HPA minReplicas, ASG min_size), with
	// the position of the autoscaler.
	MinReplicas Setting[int]
	MaxReplicas Setting[int]

	Strategy       Setting[string] // RollingUpdate, Recreate
	MaxUnavailable Setting[string] // "25%", "1"
	MaxSurge       Setting[string]
	// MinHealthyPercent / MaxPercent: ECS deployment settings.
	MinHealthyPercent Setting[int]
	MaxPercent        Setting[int]

	TerminationGrace Duration

	Containers []*Container
	// NativeSidecars are the init containers with restartPolicy: Always (Kubernetes
	// 1.28+): they run beside Containers for the pod's life, start before them and stop
	// after them. Only their ports are used (a Service port they declare is theirs, not
	// the app's); no rule checks them as app containers.
	NativeSidecars []*Container
	// TemplateOwner is the object whose pod template the containers were read from when
	// it is not the workload itself: the Deployment an Argo Rollout names in workloadRef.
	// Fixes to the pod template are written there.
	TemplateOwner *ObjectRef

	// Disruption budgets that select this workload.
	PDBs []*PDB

	// Services that route to this workload; a workload is served when there is one.
	Services []*Service
	// Served is true when something routes traffic to the workload (a Service selects
	// it, a target group registers it).
	Served bool
	// Scaler names what changes an autoscaling group's desired_capacity, down to its
	// min_size floor: a scaling policy or schedule, an ECS capacity provider, the
	// Kubernetes cluster autoscaler (its tag), or something outside Terraform (lifecycle
	// ignore_changes = [desired_capacity]); Pos is where it is said, Text how (the
	// tag, the ignore_changes) when Value does not say it. Unknown when that
	// cannot be read (a dynamic tag block); zero when nothing in the files scales it.
	Scaler Setting[string]
	// HealthCheckType: which health check makes an autoscaling group replace an
	// instance (ASG health_check_type: "EC2", the default, or "ELB").
	HealthCheckType Setting[string]
	// CircuitBreaker and Rollback: ECS deployment_circuit_breaker. With it on, a deploy
	// whose new tasks keep failing stops (and, with rollback, returns to the last good
	// deployment) instead of replacing tasks forever.
	CircuitBreaker Setting[bool]
	Rollback       Setting[bool]
	// ECSModule is set on an ECS service declared through the terraform-aws-modules/ecs
	// module: its inputs (autoscaling_min_capacity) and defaults (desired_count 1,
	// autoscaling on) differ from aws_ecs_service's.
	ECSModule bool
	// LaunchType is an ECS service's launch type (FARGATE caps stopTimeout at 120s).
	LaunchType Setting[string]
	// HostPort is a port of its container instance each task of an ECS service binds: a
	// static hostPort in bridge network mode, a container port in host mode (0: none or
	// not known). Two such tasks cannot share an instance, as two pods with a hostPort
	// cannot share a node.
	HostPort Setting[int]
	// Scheduling is an ECS service's scheduling_strategy: REPLICA (desired_count tasks)
	// or DAEMON (one task per container instance).
	Scheduling Setting[string]
	// Spot is true when an ECS service places tasks on FARGATE_SPOT (an entry of its
	// capacity_provider_strategy with a weight or base above 0), at that entry's
	// capacity_provider. A Spot interruption sends SIGTERM while the task is still
	// registered in its target groups.
	Spot Setting[bool]
	// Discovery says how other services reach an ECS service's tasks besides its load
	// balancers: "Cloud Map" (service_registries), "Service Connect" (a service block
	// of service_connect_configuration), or both; "" when neither is written, unknown
	// when a dynamic block or an input the run cannot read may add one.
	Discovery Setting[string]
	// ConfigMaps names the ConfigMaps the pod mounts as volumes ("namespace/name"), so the
	// link step can find the workload running an nginx.conf or Caddyfile held in one.
	ConfigMaps []string
	// Claims are the PersistentVolumeClaims the pod template mounts (spec.volumes; not a
	// StatefulSet's volumeClaimTemplates, which give each pod its own).
	Claims []*Claim
	// Compose is set on a Docker Compose service (Format compose): what only Compose
	// says (compose.go).
	Compose *ComposeService
}

// Claim is a PersistentVolumeClaim a workload's pods share.
type Claim struct {
	Name string
	Pos  Pos // the claimName in the pod template
	// AccessModes are the claim's spec.accessModes when its object is among the linted
	// files; nil when it is not.
	AccessModes []string
}

// Shareable reports whether pods on different nodes can mount the claim at once
// (ReadWriteMany or ReadOnlyMany). An unknown claim is not: most default storage classes
// give ReadWriteOnce.
func (c *Claim) Shareable() bool {
	for _, m := range c.AccessModes {
		if m == "ReadWriteMany" || m == "ReadOnlyMany" {
			return true
		}
	}
	return false
}

// EnvFromSource is one entry of a container's envFrom: a ConfigMap or a Secret, with the
// prefix put before each of its keys.
type EnvFromSource struct {
	ConfigMap, Secret string // the object's name (one of them)
	Prefix            string
	Pos               Pos
}

// EnvVar returns the value of environment variable name as the container's process
// sees it: ok is false when it is not set, and the setting is Unknown when it is set
// from a source no502 cannot read (env valueFrom, or an envFrom source it does not have).
func (c *Container) EnvVar(name string) (Setting[string], bool) {
	if e, ok := c.Env[name]; ok {
		return e, true
	}
	if c.EnvUnknownFrom.IsValid() {
		return Setting[string]{Pos: c.EnvUnknownFrom, Text: "envFrom", Unknown: true}, true
	}
	if c.Built != nil && c.Built.Env[name] {
		return Setting[string]{Pos: c.Built.Pos, Text: name + " (ENV in " + c.Built.Dockerfile + ")", Unknown: true}, true
	}
	return Setting[string]{}, false
}

// BuiltImage is what no502 sees of an image a Compose service builds from a local
// context: beside the command line, the app server may be configured by a file it reads
// by default from its working directory (gunicorn.conf.py, Puma's config/puma.rb), copied
// from the context, and by the Dockerfile's ENV. Those are not read: a setting they may
// hold is unknown.
type BuiltImage struct {
	Pos        Pos             // the service's build: key
	Dockerfile string          // as messages name it ("Dockerfile")
	Files      []string        // slash paths relative to the context
	Env        map[string]bool // variables the Dockerfile's ENV sets
	// NodeKeepAlive says where a Node app in the context may set its own keep-alive
	// ("fastify in package.json", "keepAliveTimeout in src/server.ts"); "" when nowhere.
	NodeKeepAlive string
	// From is the image the Dockerfile's last stage starts FROM ("node:22-alpine"; "" when
	// not read), which tells the runtime's version.
	From string
	// Entrypoint and Cmd are the ENTRYPOINT and CMD the Dockerfile's last stage writes, as
	// the container runs them (a shell form as /bin/sh -c "..."); nil when that stage
	// writes none (the base image's, which no file shows) or they cannot be read.
	Entrypoint, Cmd []string
	// InheritsCommand is set when the last stage writes neither ENTRYPOINT nor CMD and
	// the file reads plainly: the container runs From's own (php:8.3-fpm's php-fpm).
	InheritsCommand bool
	// StopSignal is the STOPSIGNAL the Dockerfile's last stage writes ("SIGINT"; "" when
	// none): what Docker sends on stop unless the service sets stop_signal.
	StopSignal string
	// ConfigCopies are the files and directories of the context that the Dockerfile's
	// last stage (or a stage it builds on) copies where a proxy or php-fpm reads its
	// configuration (COPY nginx.conf /etc/nginx/conf.d/default.conf): Path is the absolute
	// host path, Target the path in the image. The image holds them as a bind mount would.
	ConfigCopies []ComposeMount
	// Runs are the commands of the RUN instructions of the Dockerfile's last stage (and
	// of the stages of the same file it builds on), as written: a RUN that renders a
	// template copied into the image names it.
	Runs []string
}

// SpringConfig returns a Spring Boot application config (application.yml,
// application-prod.properties) the context holds, if any.
func (b *BuiltImage) SpringConfig() (string, bool) {
	if b == nil {
		return "", false
	}
	for _, f := range b.Files {
		name := f[strings.LastIndex(f, "/")+1:]
		if strings.HasPrefix(name, "application") {
			return f, true
		}
	}
	return "", false
}

// HasFile reports whether the context holds a file whose slash path relative to it ends
// with suffix at a path element boundary ("gunicorn.conf.py" matches "app/gunicorn.conf.py").
func (b *BuiltImage) HasFile(suffix string) (string, bool) {
	if b == nil {
		return "", false
	}
	for _, f := range b.Files {
		if f == suffix || strings.HasSuffix(f, "/"+suffix) {
			return f, true
		}
	}
	return "", false
}

// StartScript is a start script a container runs, as the files show it.
type StartScript struct {
	// Word is the index, in Command followed by Args, of the word naming the script.
	Word int
	// File is the script's display path; Text its text.
	File, Text string
}

// Container is one container of a workload.
type Container struct {
	Name    string
	Pos     Pos
	Image   string
	Command []string
	Args    []string
	Env     map[string]Setting[string]
	Ports   []ContainerPort
	// PortsUnknown says a port mapping of the container could not be read (an ECS
	// containerPort = var.port without a value): Ports may lack any port.
	PortsUnknown bool
	// EnvFrom lists a Kubernetes container's envFrom sources, in order; the parser puts
	// the variables of the ConfigMaps it has into Env (below the container's own env,
	// which wins). EnvUnknownFrom is where a source no502 cannot read is named (a
	// Secret, a ConfigMap not among the files, env valueFrom): any variable not in Env
	// may come from there, so EnvVar says it is unknown.
	EnvFrom        []EnvFromSource
	EnvUnknownFrom Pos
	// Built is set for a Compose service built from a local context: the files in it
	// and the Dockerfile's ENV may configure the app server (nil when not known).
	Built *BuiltImage
	// StartScript is the shell script the container's literal command line runs
	// (ENTRYPOINT ["/entrypoint.sh"], bash /entrypoint.sh) when the linted files hold it:
	// a file the service bind-mounts there or its Dockerfile copies there. Nil otherwise.
	StartScript *StartScript

	// PreStopDelay: how long a preStop hook sleeps before the container gets SIGTERM.
	// Unknown when the hook is something other than a sleep.
	PreStopDelay Duration
	PreStopPos   Pos // the preStop hook, when there is one
	// PreStopStopsApp is the command of a preStop hook that stops the app before any
	// sleep (PreStopCommand its words, PreStopStops what it stops: "nginx", "gunicorn",
	// "Apache httpd"): nginx -s quit, kill -TERM 1 of a server that is PID 1. The app
	// stops accepting at once, while the pod's endpoint is still in rotation.
	// PreStopDelay is then unknown: the hook's sleep does not delay the app's stop.
	PreStopStopsApp Pos
	PreStopStops    string
	PreStopCommand  []string
	// PreStopWaitShutdown is set when the preStop hook is ingress-nginx's /wait-shutdown:
	// it sends the controller SIGTERM and waits until nginx has exited, so it is the
	// controller's stop itself, not a delay before it. Rules use it with StopDrain.
	PreStopWaitShutdown bool
	// StopDrain is how long the container's server may take to stop once told to, for a
	// server no AppServer describes but whose stop no502 knows: the ingress-nginx
	// controller (its --shutdown-grace-period, then nginx's graceful quit, which
	// worker-shutdown-timeout bounds). Not known otherwise.
	StopDrain Duration

	Readiness *Probe
	Liveness  *Probe
	Startup   *Probe

	App *AppServer
	// StopTimeout is an ECS container's own stopTimeout: the time between SIGTERM and
	// SIGKILL (the workload's TerminationGrace is the longest of its containers').
	StopTimeout Duration
	// ConfigMapMounts are the container's volumeMounts of ConfigMap volumes (Kubernetes),
	// so the link step knows where a php-fpm reads the pool files a ConfigMap holds.
	ConfigMapMounts []ConfigMapMount
	// ArgPos holds the positions of Command's items followed by Args' items, so a
	// finding about an app-server flag can point at it (nil when unknown).
	ArgPos []Pos
	// CommandFrom says where Command and Args were read when no manifest writes them
	// ("CMD in app/Dockerfile"); "" when the manifest does.
	CommandFrom string
}

// ConfigMapMount is a ConfigMap volume mounted into a container: at Path, or only its key
// SubPath as the file Path.
type ConfigMapMount struct {
	ConfigMap string // "namespace/name"
	Path      string
	SubPath   string
}

// ContainerPort is a declared container port.
type ContainerPort struct {
	Name     string
	Port     int
	Protocol string
	Pos      Pos
	// HostPort is the node port the container binds (0: none): two pods of it cannot
	// share a node.
	HostPort int
}

// Probe is a Kubernetes probe (or any periodic check of one container).
type Probe struct {
	Pos     Pos
	Handler string // "httpGet", "tcpSocket", "exec", "grpc"
	Path    string
	Port    string
	Command []string

	// The rest of what an httpGet probe asks: Scheme ("" is HTTP, the default), Host (""
	// is the pod IP) and the request headers, as written. HTTPOpaque: the httpGet has a
	// field no502 does not read (or one it cannot read), so a copy of it may ask
	// something else.
	Scheme     string
	Host       string
	Headers    []ProbeHeader
	HTTPOpaque bool
	// GRPCService is the service name a grpc probe puts in its HealthCheckRequest (""
	// asks about the server as a whole): a server answers per service name, so two grpc
	// probes with different names are different checks.
	GRPCService string

	InitialDelay     Duration
	Period           Duration
	Timeout          Duration
	FailureThreshold Setting[int]
	SuccessThreshold Setting[int]
}

// ProbeHeader is one of an httpGet probe's httpHeaders.
type ProbeHeader struct{ Name, Value string }

// FailureWindow is how long the probe takes to notice a failure: period × failure
// threshold.
//
// A check of a pod that hangs lasts its timeoutSeconds, and the kubelet starts the next
// one no sooner than the period's next tick (its worker waits for each check, and a Go
// ticker drops the ticks it missed: pkg/kubelet/prober/worker.go), so a timeout longer
// than the period spaces the checks by the timeout instead.
func (p *Probe) FailureWindow() time.Duration {
	return ProbeWindow(p.Period.Value, p.Timeout, p.FailureThreshold.Value)
}

// ProbeWindow is FailureWindow for a period and failure threshold a fix would give a
// probe with this timeout.
func ProbeWindow(period time.Duration, timeout Duration, failureThreshold int) time.Duration {
	if timeout.Known() && timeout.Value > period {
		period = timeout.Value
	}
	return period * time.Duration(failureThreshold)
}

// PDB is a PodDisruptionBudget.
type PDB struct {
	Name           string
	Namespace      string
	Pos            Pos
	MinAvailable   Setting[string]
	MaxUnavailable Setting[string]
	Selector       *Selector
}

// AppServer is the HTTP server inside a container, detected from its command line or
// declared in .no502.yaml.
type AppServer struct {
	Name string // gunicorn, uvicorn, hypercorn, puma, node, spring, go, nginx, caddy
	Pos  Pos    // the command or arg that revealed it

	// KeepAlive: how long the server keeps an idle client connection open.
	KeepAlive Duration
	// RequestTimeout: how long the server lets a request run before killing it.
	RequestTimeout Duration
	// GracefulTimeout: how long the server drains on SIGTERM.
	GracefulTimeout Duration
	// Note explains an assumption ("sync worker: no keep-alive").
	Note string
	// Closes is true when the server closes every connection after one response
	// (gunicorn's sync worker sends Connection: close): nothing can reuse one.
	Closes bool
	// NotHTTP is true when the server's port may speak another protocol (uWSGI's own
	// with --socket, its default): nothing may suggest an HTTP probe for it.
	NotHTTP bool
	// Ports are the TCP ports the server's own command-line flags tell it to listen on
	// (gunicorn --bind 0.0.0.0:5000, uvicorn --port 8001); empty when they bind only unix
	// sockets; nil when no flag says (a default, a config file, a variable).
	Ports []string
}

// Service is a Kubernetes Service.
type Service struct {
	Name      string
	Namespace string
	Type      string
	// Headless is set on a Service with clusterIP: None: its DNS name resolves to the
	// addresses of its pods, which change on every rollout.
	Headless bool
	// PublishNotReady is spec.publishNotReadyAddresses: true: the Service's endpoints
	// list its pods whether or not they are ready, so readiness does not gate them.
	PublishNotReady bool
	// ExternalTrafficPolicy is spec.externalTrafficPolicy as written ("" is Cluster, the
	// default): with Local, the load balancer of a LoadBalancer Service sends a node's
	// traffic only to that node's pods, and stops only when the node fails its health check.
	ExternalTrafficPolicy string
	Pos                   Pos
	Block                 Pos
	Selector              *Selector
	Ports                 []ServicePort
	Workloads             []*Workload
	// Ingressed is set when an Ingress routes to the Service, whichever controller serves
	// it (also one no502 does not model, which gets no hop): an HTTP proxy stands in front.
	Ingressed bool
	// APIServerCalls names the objects through which the Kubernetes API server calls the
	// Service: an APIService (an aggregated API such as metrics.k8s.io) or an admission
	// webhook configuration naming it in spec.service or a webhook's clientConfig.service,
	// as "APIService v1beta1.metrics.k8s.io". Empty when none of the run names it.
	APIServerCalls []string
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name       string
	Port       int
	TargetPort string
	Protocol   string // TCP (the default), UDP, SCTP
	// AppProtocol is the port's appProtocol as written ("" when absent): the application
	// protocol it carries (http, kubernetes.io/h2c, tcp, mqtt, ...).
	AppProtocol string
	Pos         Pos
}

// Build is one Kustomize build that includes a workload: Root is the kustomization file
// no other kustomization of the run includes (the one a user builds: an overlay), and
// Replicas the count that build gives the workload: the base's own field, or the value an
// overlay's patch or replicas: entry sets (with its position there). Unknown when a
// patch no502 cannot read (inline JSON 6902, a component, a patch file not among the
// run's files) may set it.
type Build struct {
	Root     string
	Replicas Setting[int]
	// Files are the manifest files the build includes through its resources (and those of
	// the kustomizations it includes), cleaned paths: an object in a file one overlay
	// lists (an HPA, a PodDisruptionBudget) is part of that overlay's build only.
	Files map[string]bool
}

// BuildsLacking returns the builds of w that do not include file (an autoscaler's or a
// budget's) while another build of w does: an overlay that adds the object deploys it in
// its own build only. nil when every build of w includes file, or none does (a file no
// build lists is applied on its own, to whatever it selects).
func (w *Workload) BuildsLacking(file string) []Build {
	file = filepath.Clean(file)
	var lacking []Build
	some := false
	for _, b := range w.Builds {
		if b.Files[file] {
			some = true
		} else {
			lacking = append(lacking, b)
		}
	}
	if !some {
		return nil
	}
	return lacking
}

// Selector is a Kubernetes label selector.
type Selector struct {
	MatchLabels      map[string]string
	MatchExpressions []SelectorRequirement
	// All: the selector selects every pod of its namespace. A policy/v1
	// PodDisruptionBudget's empty selector ({}) does ("an empty ({}) selector will select
	// all pods within the namespace", PodDisruptionBudgetSpec); a Service's does not.
	All bool
}

// SelectorRequirement is one matchExpressions entry.
type SelectorRequirement struct {
	Key      string
	Operator string // In, NotIn, Exists, DoesNotExist
	Values   []string
}

// Matches reports whether labels satisfy the selector. An empty selector matches
// nothing here (a Service with no selector routes to hand-managed endpoints), unless it
// is marked All.
func (s *Selector) Matches(labels map[string]string) bool {
	if s != nil && s.All {
		return true
	}
	if s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
		return false
	}
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, r := range s.MatchExpressions {
		v, ok := labels[r.Key]
		switch r.Operator {
		case "In":
			if !ok || !contains(r.Values, v) {
				return false
			}
		case "NotIn":
			if ok && contains(r.Values, v) {
				return false
			}
		case "Exists":
			if !ok {
				return false
			}
		case "DoesNotExist":
			if ok {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ObjectRef names a Kubernetes object.
type ObjectRef struct {
	Kind, Namespace, Name string
}

// MeshInbound is what a pod's annotations say about the inbound ports its service-mesh
// proxy takes (Workload.MeshInbound), per mesh: which mesh runs in the pod decides which
// annotations apply. Each list holds port numbers and ranges as written.
type MeshInbound struct {
	// IstioExclude are the ports Istio does not redirect to its sidecar
	// (traffic.sidecar.istio.io/excludeInboundPorts): they reach the app directly.
	IstioExclude []PortRange
	// IstioInclude, when IstioIncludeSet, are the only ports Istio redirects
	// (includeInboundPorts written as a list; empty: none). "*" (every port, the
	// default) leaves it unset.
	IstioInclude    []PortRange
	IstioIncludeSet bool
	// LinkerdSkip are the ports Linkerd does not redirect to its proxy
	// (config.linkerd.io/skip-inbound-ports); LinkerdOpaque those it proxies as plain
	// TCP, without reading HTTP (config.linkerd.io/opaque-ports).
	LinkerdSkip   []PortRange
	LinkerdOpaque []PortRange
	// Said lists each mesh's annotations as written, for messages ("istio", "linkerd").
	Said map[string][]string
}

// PortRange is a port (From == To) or an inclusive range of ports.
type PortRange struct{ From, To int }

// In reports whether port is in one of the ranges of rs.
func In(rs []PortRange, port int) bool {
	for _, r := range rs {
		if port >= r.From && port <= r.To {
			return true
		}
	}
	return false
}
