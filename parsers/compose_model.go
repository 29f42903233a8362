package parsers

// KindComposeService is Workload.Kind of a Docker Compose service.
const KindComposeService WorkloadKind = "ComposeService"

// ComposeService is what a Docker Compose service says beyond the fields every Workload
// has: the projects it belongs to and the names and networks other containers reach it
// by (for the link step), the proxy configs it mounts from the repository, and the
// settings only the Compose rules read.
type ComposeService struct {
	// Projects are the file sets (base + override) that define this service the same
	// way; a service no override touches is shared by every set of its directory.
	Projects []*ComposeProject
	// Networks are the networks it joins ("default" when it names none); nil when
	// network_mode puts it elsewhere (host, none, another container's).
	Networks []ComposeNetwork
	// NetworkMode is network_mode when set.
	NetworkMode Setting[string]
	// ContainerName is container_name when set: Docker's DNS answers it on the service's
	// networks like the service name, and Compose refuses a second container of a
	// service that has one.
	ContainerName Setting[string]
	// ExtraHosts are the names extra_hosts: puts in its /etc/hosts, answered there before
	// Docker's DNS is asked ("?" for an entry not known).
	ExtraHosts []string
	// Links maps the aliases of links: entries ("web:backend": backend) to the service
	// they name: those names resolve to it from this service's container.
	Links map[string]string
	// Mounts are the bind mounts and file configs whose source is in the linted tree.
	Mounts []ComposeMount
	// Scripts are the texts of the scripts its container may run at start that the
	// files show (a script its entrypoint or command names, or one in
	// /docker-entrypoint.d/, bind-mounted or copied by its Dockerfile).
	Scripts []string
	// DataVolumes are the named volumes it mounts read-write (Path is the volume's
	// name): state that a second container on the host would share.
	DataVolumes []ComposeMount

	StopSignal Setting[string]
	// Profiles are the profiles: it belongs to; a service with any is started only when
	// one of them is enabled (docker compose --profile), not by a plain up.
	Profiles []string
	// DeployMode is deploy.mode when written (global: one container per swarm node).
	DeployMode Setting[string]
	// EndpointMode is deploy.endpoint_mode when written (dnsrr: under swarm the service
	// name resolves to the tasks' own addresses, not to a virtual IP).
	EndpointMode      Setting[string]
	UpdateOrder       Setting[string]
	UpdateParallelism Setting[int]
	// Healthcheck is the healthcheck: attribute (Pos invalid when the image's applies).
	Healthcheck ComposeHealthcheck
	DependsOn   []ComposeDependency
	// Published are the host ports it publishes as written ("8000", "8000-8010").
	Published []Setting[string]
}

// ComposeProject is one set of compose files merged into a project.
type ComposeProject struct {
	Dir      string   // the project directory, as displayed
	Files    []string // the files merged, base first
	Services map[string]*Workload
	// Variant is set on a project that applies a variant file beside the base
	// (compose.yaml with compose.prod.yaml: `docker compose -f compose.yaml -f
	// compose.prod.yaml`), or a file by a name docker compose does not look for
	// (deploy-compose.yml, docker-stack.yml): not the set `docker compose up` loads by
	// default.
	Variant bool
	// Profiles are the profiles a plain `docker compose up` of the project enables
	// (COMPOSE_PROFILES in its .env; "*" for all): services under one of them start
	// with it, as services without profiles do.
	Profiles []string
}

// StartsByDefault reports whether a plain `docker compose up` of one of the projects
// that hold the service starts it: it has no profiles, or one that project enables.
func (cs *ComposeService) StartsByDefault() bool {
	if len(cs.Profiles) == 0 {
		return true
	}
	for _, p := range cs.Projects {
		for _, on := range p.Profiles {
			for _, mine := range cs.Profiles {
				if on == "*" || on == mine {
					return true
				}
			}
		}
	}
	return false
}

// ComposeNetwork is a network a service joins, with its aliases there.
type ComposeNetwork struct {
	Name    string
	Aliases []string
	// Static is set when ipv4_address or ipv6_address fixes the container's address
	// there: a recreated container gets the same one.
	Static bool
}

// ComposeMount is a file or directory of the linted tree mounted into a service.
type ComposeMount struct {
	// Path is the host path as the loader displays file paths (relative to the working
	// directory when inside it): a mounted file's path, or a directory whose files are
	// all mounted.
	Path   string
	Target string
	Pos    Pos
}

// ComposeHealthcheck is a service's healthcheck: attribute.
type ComposeHealthcheck struct {
	Pos Pos
	// Kind is CMD, CMD-SHELL or NONE; "" when the test is the image's.
	Kind string
	// Test is the argv after CMD, or the one shell string after CMD-SHELL.
	Test        Setting[[]string]
	Interval    Duration
	Timeout     Duration
	StartPeriod Duration
	Retries     Setting[int]
	Disable     Setting[bool]
}

// ComposeDependency is one depends_on entry.
type ComposeDependency struct {
	Service   string
	Pos       Pos
	Condition Setting[string] // service_started (default), service_healthy, service_completed_successfully
	// Restart is depends_on.restart: Compose restarts this service after it restarts or
	// recreates the dependency.
	Restart Setting[bool]
}
