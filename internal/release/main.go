// Command release builds no502's release archives: static binaries for linux, darwin and
// windows on amd64 and arm64, each packed with LICENSE and README.md (tar.gz; zip for
// windows), and a checksums.txt of their SHA-256 sums. The raw binaries stay in
// <out>/<os>_<arch>/ for the container image (the Dockerfile copies the linux ones).
//
//	go run ./internal/release -snapshot            # any commit: version "snapshot", nothing published
//	go run ./internal/release -version v1.2.3      # HEAD must carry the tag v1.2.3 and be clean
//
// Builds are reproducible: the version, commit and date set with -ldflags come from git
// (the date is the commit's), paths are trimmed, and archive entries carry the commit time,
// fixed owners and modes, in a fixed order. The same commit gives byte-identical archives.
// docs/decisions.md says why this is a program of our own and not a GoReleaser config.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// targets are the platforms released, as GOOS/GOARCH.
var targets = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

// extraFiles go into every archive next to the binary.
var extraFiles = []string{"LICENSE", "README.md"}

var releaseVersion = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

func main() {
	snapshot := flag.Bool("snapshot", false, "build any commit, with version \"snapshot\" (for CI; nothing is published)")
	ver := flag.String("version", "", "the release tag, e.g. v1.2.3 (HEAD must carry it and the tree must be clean)")
	out := flag.String("out", "dist", "output directory (emptied first)")
	only := flag.String("targets", strings.Join(targets, ","), "comma-separated GOOS/GOARCH list")
	flag.Parse()
	if err := run(*snapshot, *ver, *out, strings.Split(*only, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(snapshot bool, ver, out string, platforms []string) error {
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		return err
	}
	when, err := git("log", "-1", "--format=%cI")
	if err != nil {
		return err
	}
	date, err := time.Parse(time.RFC3339, when)
	if err != nil {
		return fmt.Errorf("commit date %q: %v", when, err)
	}
	date = date.UTC()
	switch {
	case snapshot && ver != "":
		return errors.New("-snapshot and -version exclude each other")
	case snapshot:
		ver = "snapshot"
	case !releaseVersion.MatchString(ver):
		return fmt.Errorf("-version %q: want a tag like v1.2.3 (or -snapshot)", ver)
	default:
		tags, err := git("tag", "--points-at", "HEAD")
		if err != nil {
			return err
		}
		if !slices.Contains(strings.Fields(tags), ver) {
			return fmt.Errorf("HEAD is not tagged %s", ver)
		}
		if dirty, err := git("status", "--porcelain", "--untracked-files=no"); err != nil || dirty != "" {
			return fmt.Errorf("the work tree has uncommitted changes:\n%s", dirty)
		}
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ldflags := fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.date=%s", ver, commit, date.Format(time.RFC3339))
	var archives []string
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok {
			return fmt.Errorf("target %q: want GOOS/GOARCH", p)
		}
		bin, err := build(out, goos, goarch, ldflags)
		if err != nil {
			return err
		}
		name, err := pack(out, ver, goos, goarch, bin, date)
		if err != nil {
			return err
		}
		archives = append(archives, name)
		fmt.Println(filepath.Join(out, name))
	}
	return writeChecksums(out, archives)
}

// build cross-compiles the command into <out>/<os>_<arch>/ and returns the binary's path.
func build(out, goos, goarch, ldflags string) (string, error) {
	bin := binaryPath(out, goos, goarch)
	c := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, "./cmd/no502")
	c.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=")
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("go build for %s/%s: %v", goos, goarch, err)
	}
	if goos == "linux" {
		if err := checkStatic(bin); err != nil {
			return "", err
		}
	}
	return bin, nil
}

// binaryPath is where build leaves a platform's binary (the Dockerfile copies
// dist/linux_${TARGETARCH}/no502).
func binaryPath(out, goos, goarch string) string {
	exe := "no502"
	if goos == "windows" {
		exe += ".exe"
	}
	return filepath.Join(out, goos+"_"+goarch, exe)
}

// checkStatic fails on a Linux binary that needs a dynamic loader or shared libraries:
// the container image has neither.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			return fmt.Errorf("%s is not statically linked (it has %v)", path, p.Type)
		}
	}
	return nil
}

type entry struct {
	name string
	mode int64
	data []byte
}

// pack writes no502_<version>_<os>_<arch>.tar.gz (.zip for windows) and returns its name.
func pack(out, ver, goos, goarch, bin string, date time.Time) (string, error) {
	var files []entry
	for _, f := range append([]string{bin}, extraFiles...) {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		mode := int64(0o644)
		if f == bin {
			mode = 0o755
		}
		files = append(files, entry{filepath.Base(f), mode, data})
	}
	base := fmt.Sprintf("no502_%s_%s_%s", strings.TrimPrefix(ver, "v"), goos, goarch)
	var buf bytes.Buffer
	var err error
	if goos == "windows" {
		base += ".zip"
		err = writeZip(&buf, files, date)
	} else {
		base += ".tar.gz"
		err = writeTarGz(&buf, files, date)
	}
	if err != nil {
		return "", err
	}
	return base, os.WriteFile(filepath.Join(out, base), buf.Bytes(), 0o644)
}

func writeTarGz(w io.Writer, files []entry, date time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: date, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, files []entry, date time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: date}
		h.SetMode(os.FileMode(f.mode))
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeChecksums writes checksums.txt in sha256sum's format, so that
// `sha256sum --check --ignore-missing checksums.txt` verifies a downloaded archive.
func writeChecksums(out string, archives []string) error {
	sort.Strings(archives)
	var b strings.Builder
	for _, a := range archives {
		data, err := os.ReadFile(filepath.Join(out, a))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), a)
	}
	return os.WriteFile(filepath.Join(out, "checksums.txt"), []byte(b.String()), 0o644)
}

func git(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return "", fmt.Errorf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
