// Package compose reads Docker Compose files into a typed model of services whose every
// value remembers where it was written: which file, line and column set it, or that it is
// Docker's default, or that it is unknown.
//
// # Files
//
// Load takes the files of one project in the order docker compose -f would merge them:
// the base (compose.yaml, compose.yml, docker-compose.yml or docker-compose.yaml), then
// overrides (compose.override.yaml, docker-compose.prod.yml, ...). Projects groups the
// files found in directories into such sets the way docker compose picks them: per
// directory the base with its default override, and each other compose.*.yaml or
// docker-compose.*.yml beside the base as base + that file. A file may hold several YAML
// documents; they merge in order. YAML anchors, aliases and merge keys (<<) are resolved
// (explicit keys win over merged ones; the expansion is bounded so that an alias bomb
// costs nothing); x- extension fields are kept in the tree and ignored by the model.
// extends (in the same file or another) and the top-level include are followed, within
// parsers.Options.Roots and through parsers.Options.ReadFile; a service defined both by
// a file and by what it includes is an error, as in docker compose.
//
// # Interpolation
//
// Each file is interpolated before it is merged, as docker compose does: $VAR and
// ${VAR}, ${VAR:-default} and ${VAR-default} (with or without the colon: empty counts as
// unset with it), ${VAR:?err} and ${VAR?err}, ${VAR:+alt} and ${VAR+alt}, nested
// defaults (${A:-${B}}), and $$ for a literal $. Variables come from the .env file in the
// project directory (the base file's directory unless Options.ProjectDir says otherwise)
// and from Options.Env, never from the environment of the process: a finding must not
// depend on whose shell ran the linter (a CI runner and a laptop would otherwise disagree),
// and the values a deployment's shell supplies cannot be known from the repository
// anyway. A value that uses an unset variable without a default (${VAR}, $VAR, or a
// required ${VAR:?err}) is therefore unknown: its Setting has Unknown set and keeps the
// text as written, and rules stay silent about it instead of guessing the empty string
// docker compose would substitute. A value that used .env variables lists their lines in
// Setting.Via.
//
// # Merging
//
// Later files merge over earlier ones by the Compose specification's rules, as compose-go
// (docker compose's loader) implements them: mappings merge key by key and scalars are
// replaced; a null changes nothing; lists append the entries not already present (dns,
// dns_search, env_file, tmpfs and extra_hosts also accept a single string);
// command, entrypoint and healthcheck.test are replaced whole; environment, labels,
// annotations, sysctls, build.args and deploy.labels merge by key whether written as a
// mapping or as KEY=VALUE lists; depends_on and networks merge as mappings (a list entry
// of depends_on means condition: service_started, required: true); build as a string is
// build.context; ports are unique by {host ip, published, target, protocol}, volumes by
// target, configs and secrets by target (the last entry for a key wins, at the place of
// the first); logging options merge only when the driver is the same. The !reset tag
// removes an attribute set by earlier files and !override replaces it without merging.
// Every merged value keeps the position of the file that set it, so a finding points at
// the override that decided it. Relative paths (bind-mount sources, build contexts,
// config and secret files) resolve against the project directory, except in a service
// taken through extends or include from a file elsewhere, whose paths resolve against
// that file's directory, as docker compose resolves them. Mount.HostPath and
// FileMount.HostPath are therefore absolute, so that the linker can find a mounted
// nginx.conf or Caddyfile in the repository.
//
// # Model
//
// Service holds image, build, command and entrypoint (list form, or string form split
// into words by SplitWords with Shell set), environment, env_file, labels, ports, expose,
// deploy.replicas, scale, deploy.update_config (parallelism, order), stop_grace_period,
// stop_signal, healthcheck (test as CMD, CMD-SHELL, NONE or a string, interval,
// timeout, start_period, start_interval, retries, disable), restart, depends_on with its
// condition, volumes and configs and secrets (short and long syntax), networks,
// network_mode and profiles. Settings that are absent hold Docker's defaults
// (stop_grace_period 10s, stop_signal SIGTERM, 1 replica, update order stop-first,
// healthcheck 30s/30s/3/0s) with Setting.Default naming them.
//
// # Differences from docker compose
//
// The string form of command and entrypoint is split like a POSIX shell splits words;
// docker compose (go-shellwords) stops at the first unquoted ; & | < or >, dropping the
// rest of the command, which no rule should rely on. Files are not validated against the
// Compose JSON schema: unknown attributes are ignored, and only values the model reads
// are checked (durations, integers, booleans, healthcheck.test, depends_on cycles), as
// errors in Project.Diags. Services are kept whatever their profiles (Service.Profiles
// lists them). compose-go is used only by the tests, as an oracle that this package
// merges and interpolates the corpus as docker compose does (docs/decisions.md).
package compose
