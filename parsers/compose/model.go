package compose

import (
	"time"

	"github.com/no502/no502/parsers"
)

// Setting is the model's setting: a value with the position that set it (which file,
// line and column), or a Compose default, or unknown (it uses an unset variable).
type Setting[T any] = parsers.Setting[T]

// Service is one merged service of a project.
type Service struct {
	Name string
	// Pos is the service's key in the first file that defines it; Decls lists its key in
	// every file that defines or overrides it, in merge order.
	Pos   parsers.Pos
	Decls []parsers.Pos

	Image Setting[string]
	Build *Build

	Command    Command
	Entrypoint Command

	// Environment maps each variable to its value. An entry without a value (FOO in list
	// form, FOO: null) takes it from the shell of whoever deploys: unknown.
	Environment map[string]Setting[string]
	EnvFiles    []EnvFile
	Labels      map[string]Setting[string]

	Ports  []Port
	Expose []Setting[string]

	// Replicas is deploy.replicas; Scale the scale attribute. Both default to 1.
	Replicas Setting[int]
	Scale    Setting[int]
	// DeployMode is deploy.mode: replicated (the default) or global (one container per
	// swarm node; docker compose up runs one).
	DeployMode Setting[string]
	// EndpointMode is deploy.endpoint_mode: vip (the default) or dnsrr (under swarm the
	// service name resolves to its tasks' own addresses).
	EndpointMode Setting[string]
	UpdateConfig UpdateConfig

	StopGracePeriod parsers.Duration
	StopSignal      Setting[string]
	Healthcheck     Healthcheck
	Restart         Setting[string]

	DependsOn []Dependency
	Volumes   []Mount
	Configs   []FileMount
	Secrets   []FileMount
	Networks  []NetworkAttachment
	// NetworkMode is network_mode (host, none, service:x...), unset when absent.
	NetworkMode Setting[string]
	Profiles    []Setting[string]
	// ExtraHosts are the host names extra_hosts: adds to the container's /etc/hosts, which
	// answers them before Docker's DNS; "?" for an entry not known.
	ExtraHosts []string
	// ContainerName is container_name: the container's own name, which Docker's DNS
	// answers too, and which forbids a second container of the service.
	ContainerName Setting[string]
	// Links are the links: entries as written ("web", "web:backend"): the linked
	// service is reachable from this one by the alias too.
	Links []Setting[string]
}

// EnvFile is one env_file: entry.
type EnvFile struct {
	Path Setting[string] // as written
	// Abs is the file's absolute path ("" when the path is not known).
	Abs string
	// Optional is required: false: docker compose skips the file when it is missing.
	Optional bool
}

// Build is the build: attribute.
type Build struct {
	Pos parsers.Pos
	// Context as written, and resolved to an absolute directory ("" for a URL or an
	// unknown value).
	Context    Setting[string]
	ContextDir string
	Dockerfile Setting[string]
	Target     Setting[string]
	// Inline: dockerfile_inline is set, so the Dockerfile is that text, not a file.
	Inline bool
	// Args are build.args: each build argument's value (Unknown when it is taken from
	// the deploying shell or interpolated from an unset variable). ArgsUnknown: build.args
	// is written but not as a mapping or list, so no argument's value is known.
	Args        map[string]Setting[string]
	ArgsUnknown bool
}

// Command is a command or entrypoint. The string form is split into words as a shell
// would (docker compose does the same); Shell says it was written as one string.
type Command struct {
	Args  Setting[[]string]
	Shell bool
	// Null: set to null or [] explicitly, which clears the image's own.
	Null bool
}

// Set reports whether the attribute was written (else the image's own applies).
func (c Command) Set() bool { return c.Args.Pos.IsValid() }

// Port is one entry of ports: (short "[ip:][published:]target[/proto]" or long syntax).
type Port struct {
	Pos    parsers.Pos
	Text   string
	HostIP string
	// Published is the host port or range as written ("8080", "8000-8010"); "" when
	// docker picks one.
	Published string
	// Target and TargetEnd are the container port range (equal for one port); 0 when
	// not known.
	Target, TargetEnd int
	Protocol          string
	Mode              string
	Unknown           bool
}

// UpdateConfig is deploy.update_config.
type UpdateConfig struct {
	Parallelism Setting[int]
	// Order is start-first or stop-first (the default).
	Order Setting[string]
	Delay parsers.Duration
}

// HealthcheckKind is the form of healthcheck.test.
type HealthcheckKind string

const (
	HealthNone     HealthcheckKind = "NONE"      // disables the image's healthcheck
	HealthCmd      HealthcheckKind = "CMD"       // exec form: Test is the argv
	HealthCmdShell HealthcheckKind = "CMD-SHELL" // Test[0] is run by /bin/sh -c
)

// Healthcheck is the healthcheck: attribute. Unset attributes hold Docker's defaults;
// Test is unset when the image's own HEALTHCHECK applies.
type Healthcheck struct {
	Pos  parsers.Pos
	Kind HealthcheckKind
	// Test is the command: the argv after CMD, or the one shell string after CMD-SHELL
	// (the string form of test is CMD-SHELL).
	Test          Setting[[]string]
	Interval      parsers.Duration
	Timeout       parsers.Duration
	StartPeriod   parsers.Duration
	StartInterval parsers.Duration
	Retries       Setting[int]
	// Disable is disable: true, or test: [NONE].
	Disable Setting[bool]
}

// Dependency is one entry of depends_on.
type Dependency struct {
	Service string
	Pos     parsers.Pos
	// Condition is service_started (the default), service_healthy or
	// service_completed_successfully.
	Condition Setting[string]
	Required  Setting[bool]
	Restart   Setting[bool]
}

// MountType is the kind of a volume mount.
type MountType string

const (
	MountBind   MountType = "bind"
	MountVolume MountType = "volume"
	MountTmpfs  MountType = "tmpfs"
	MountNpipe  MountType = "npipe"
	MountImage  MountType = "image"
)

// Mount is one entry of volumes: (short or long syntax).
type Mount struct {
	Pos  parsers.Pos
	Text string
	Type MountType
	// Source is the host path or volume name as written (after interpolation).
	Source Setting[string]
	// HostPath is the absolute host path of a bind mount: relative sources resolve
	// against the project directory (the base file's), or against the directory of the
	// file an extends or include took the service from. "" when not a bind mount or when
	// the source is unknown (a variable that is not set).
	HostPath string
	Target   Setting[string]
	ReadOnly bool
}

// FileMount is one entry of a service's configs: or secrets:.
type FileMount struct {
	Pos    parsers.Pos
	Text   string
	Source Setting[string] // the top-level config or secret
	// Target is the path in the container; defaults to /<source> for configs and
	// /run/secrets/<source> for secrets.
	Target Setting[string]
	// HostPath is the absolute path of the top-level entry's file:, "" when it has
	// none (external, content:, environment:) or it is unknown.
	HostPath string
	// Inline is set when the top-level entry holds the text itself (content:).
	Inline bool
}

// NetworkAttachment is one entry of a service's networks:.
type NetworkAttachment struct {
	Name    string
	Pos     parsers.Pos
	Aliases []Setting[string]
	// Static is set when ipv4_address or ipv6_address fixes the container's address on
	// the network.
	Static bool
}

// Resource is a top-level network, volume, config or secret.
type Resource struct {
	Name     string
	Pos      parsers.Pos
	External Setting[bool]
	// File is config/secret file: as written; HostPath the absolute path.
	File Setting[string]
	// Inline is set when the config's text is written in the compose file (content:).
	Inline   bool
	HostPath string
	Driver   Setting[string]
}

// Defaults, as Docker documents them (the reference's defaults table).
const (
	DefaultStopGracePeriod = 10 * time.Second
	DefaultHealthInterval  = 30 * time.Second
	DefaultHealthTimeout   = 30 * time.Second
	DefaultHealthRetries   = 3
)
