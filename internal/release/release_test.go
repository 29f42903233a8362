package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The archives are byte-identical for the same inputs and date, and hold the files the
// README's install steps expect.
func TestArchivesReproducible(t *testing.T) {
	date := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	files := []entry{{"no502", 0o755, []byte("binary")}, {"LICENSE", 0o644, []byte("licence")}, {"README.md", 0o644, []byte("readme")}}
	for _, write := range []func(io.Writer, []entry, time.Time) error{writeTarGz, writeZip} {
		var a, b bytes.Buffer
		if err := write(&a, files, date); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		if err := write(&b, files, date); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Error("two writes of the same archive differ")
		}
	}

	var tgz bytes.Buffer
	writeTarGz(&tgz, files, date)
	gz, err := gzip.NewReader(&tgz)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name == "no502" && (h.Mode != 0o755 || h.Uid != 0 || !h.ModTime.Equal(date)) {
			t.Errorf("no502 in the tar: mode %o uid %d time %s", h.Mode, h.Uid, h.ModTime)
		}
	}
	if strings.Join(names, " ") != "no502 LICENSE README.md" {
		t.Errorf("tar holds %v", names)
	}

	var zbuf bytes.Buffer
	writeZip(&zbuf, files, date)
	zr, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 3 || zr.File[0].Name != "no502" || !zr.File[0].Modified.Equal(date) {
		t.Errorf("zip holds %v", zr.File)
	}
}

func TestChecksumsFormat(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "b.zip"), []byte("b"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.tar.gz"), []byte("a"), 0o644)
	if err := writeChecksums(dir, []string{"b.zip", "a.tar.gz"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	// sha256sum's own format: hash, two spaces, name; sorted by name.
	want := "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a.tar.gz\n" +
		"3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.zip\n"
	if string(got) != want {
		t.Errorf("checksums.txt:\n%s\nwant:\n%s", got, want)
	}
}

// The Dockerfile is checked here without a container engine: what it copies is what the
// release build writes, and the image runs no502 as a non-root user in /src. CI also
// builds and runs the image with buildah (.ci/release-check).
func TestDockerfile(t *testing.T) {
	src, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var from, user, workdir, entrypoint string
	var copies []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, arg, _ := strings.Cut(line, " ")
		arg = strings.TrimSpace(arg)
		switch strings.ToUpper(instr) {
		case "FROM":
			from = arg
		case "USER":
			user = arg
		case "WORKDIR":
			workdir = arg
		case "ENTRYPOINT":
			entrypoint = arg
		case "COPY":
			f := strings.Fields(arg)
			copies = append(copies, f[:len(f)-1]...)
		case "RUN", "ADD":
			t.Errorf("%s: the image only copies the release binary (no RUN or ADD, so any platform builds without emulation)", line)
		}
	}
	if from != "scratch" {
		t.Errorf("FROM %s, want scratch (a static binary needs nothing else)", from)
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("USER %q: want a non-root numeric user", user)
	}
	if workdir != "/src" {
		t.Errorf("WORKDIR %q, want /src", workdir)
	}
	if entrypoint != `["no502"]` {
		t.Errorf(`ENTRYPOINT %s, want ["no502"]`, entrypoint)
	}
	wantBin := filepath.ToSlash(binaryPath("dist", "linux", "${TARGETARCH}"))
	if !slices.Contains(copies, wantBin) {
		t.Errorf("the Dockerfile copies %v, want the release binary %s", copies, wantBin)
	}
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range copies {
		for _, arch := range []string{"amd64", "arm64"} {
			p := strings.ReplaceAll(c, "${TARGETARCH}", arch)
			if !strings.Contains(string(ignore), "!"+p+"\n") {
				t.Errorf(".dockerignore excludes %s, which the Dockerfile copies", p)
			}
			if !slices.Contains(targets, "linux/"+arch) {
				t.Errorf("the release build makes no linux/%s binary for the image", arch)
			}
		}
	}
}
