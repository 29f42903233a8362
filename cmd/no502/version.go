package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newVersionCmd) }

// Set by the release build (internal/release):
//
//	-ldflags "-X main.version=v1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>"
//
// Builds without them (go install ...@v1.2.3, go build in a checkout) take what the Go
// toolchain recorded in the binary instead.
var version, commit, date string

// buildVersion is what `no502 version` reports.
type buildVersion struct {
	Version  string // v1.2.3, a pseudo-version, or "dev"
	Commit   string // abbreviated to 7 hex digits; "" when unknown
	Modified bool   // built from a checkout with uncommitted changes
	Date     string // YYYY-MM-DD of the commit (or of the release build); "" when unknown
	Go       string // the toolchain that built the binary
}

func (v buildVersion) String() string {
	var parts []string
	if v.Commit != "" {
		parts = append(parts, "commit "+v.Commit)
	}
	if v.Modified {
		parts = append(parts, "modified")
	}
	if v.Date != "" {
		parts = append(parts, v.Date)
	}
	if v.Go != "" {
		parts = append(parts, v.Go)
	}
	if len(parts) == 0 {
		return v.Version
	}
	return v.Version + " (" + strings.Join(parts, ", ") + ")"
}

// pseudoVersion matches the end of a Go pseudo-version (v0.0.0-20261206111000-abcdef123456,
// v1.2.4-0.20261206111000-abcdef123456): the commit time and hash `go install ...@<commit>`
// records when it has no VCS information.
var pseudoVersion = regexp.MustCompile(`(?:^|[-.])(\d{14})-([0-9a-f]{12})$`)

// currentVersion reads the version of the running binary.
func currentVersion() buildVersion {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(version, commit, date, bi)
}

// describeBuild prefers what the release build set with -ldflags and fills the rest from
// the build information the Go toolchain records: the module version (go install
// ...@v1.2.3), and the VCS revision, time and modified flag (go build in a git checkout).
func describeBuild(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) buildVersion {
	v := buildVersion{Version: ldVersion, Commit: ldCommit, Date: ldDate, Go: runtime.Version()}
	if bi != nil {
		v.Go = bi.GoVersion
		mod := bi.Main.Version
		if strings.HasSuffix(mod, "+dirty") {
			mod = strings.TrimSuffix(mod, "+dirty")
			if ldVersion == "" {
				v.Modified = true
			}
		}
		// A v0.0.0 pseudo-version only says "no release tag before this commit": it is a
		// development build, and its commit and time are shown on their own.
		if v.Version == "" && mod != "(devel)" && !strings.HasPrefix(mod, "v0.0.0-") {
			v.Version = mod
		}
		if ldCommit == "" {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					v.Commit = s.Value
				case "vcs.time":
					if v.Date == "" {
						v.Date = s.Value
					}
				case "vcs.modified":
					v.Modified = v.Modified || s.Value == "true"
				}
			}
			if m := pseudoVersion.FindStringSubmatch(strings.TrimSuffix(mod, "+incompatible")); m != nil && v.Commit == "" {
				v.Commit = m[2]
				if v.Date == "" {
					if t, err := time.Parse("20060102150405", m[1]); err == nil {
						v.Date = t.Format(time.RFC3339)
					}
				}
			}
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	if len(v.Commit) > 7 {
		v.Commit = v.Commit[:7]
	}
	if t, err := time.Parse(time.RFC3339, v.Date); err == nil {
		v.Date = t.UTC().Format("2006-01-02")
	}
	return v
}

func newVersionCmd(io.Reader) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print no502's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "no502 "+currentVersion().String())
			return nil
		},
	}
}

// versionString is the version alone (v1.2.3, or "dev"), for reports that name the tool
// (SARIF's driver.version).
func versionString() string { return currentVersion().Version }
