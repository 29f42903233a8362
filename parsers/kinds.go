package parsers

// Kinds are typed so that a misspelt kind is a compile error, not a comparison that is
// never true.

// PathKind says how a route matches its path.
type PathKind string

// Path kinds.
const (
	PathPrefix PathKind = "prefix" // the default
	PathExact  PathKind = "exact"
	PathRegex  PathKind = "regex"
	PathNamed  PathKind = "named" // an nginx named location (@name)
)

// BackendKind says what a backend is.
type BackendKind string

// Backend kinds.
const (
	BackendNginxUpstream BackendKind = "nginx-upstream" // an upstream{} block
	BackendNginxAddress  BackendKind = "nginx-address"  // a literal proxy_pass address
	BackendCaddy         BackendKind = "caddy"          // a reverse_proxy's upstreams
	BackendTargetGroup   BackendKind = "target-group"   // an AWS target group
	BackendCLB           BackendKind = "clb"            // a classic load balancer's instances
	BackendK8sService    BackendKind = "k8s-service"    // a Kubernetes Service
)

// WorkloadKind says what runs the app: a Kubernetes kind, or an AWS resource.
type WorkloadKind string

// Workload kinds.
const (
	Deployment  WorkloadKind = "Deployment"
	StatefulSet WorkloadKind = "StatefulSet"
	DaemonSet   WorkloadKind = "DaemonSet"
	ReplicaSet  WorkloadKind = "ReplicaSet"
	// ReplicationController is the core/v1 ancestor of ReplicaSet, still served: same
	// replicas and pod template, a selector that is a plain map (not read: Services
	// select by the pod template's labels).
	ReplicationController WorkloadKind = "ReplicationController"
	Pod                   WorkloadKind = "Pod"
	Rollout               WorkloadKind = "Rollout" // Argo Rollouts (argoproj.io)
	ECSService            WorkloadKind = "ECSService"
	AutoScalingGroup      WorkloadKind = "AutoScalingGroup"
)
