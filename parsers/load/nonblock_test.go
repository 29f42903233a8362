package load

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// oNonblock is the platform's O_NONBLOCK where it is set (it is written as a number:
// the syscall package is off limits outside tests).
func TestNonblockConst(t *testing.T) {
	if oNonblock != 0 && oNonblock != syscall.O_NONBLOCK {
		t.Fatalf("oNonblock = %#x, O_NONBLOCK = %#x", oNonblock, syscall.O_NONBLOCK)
	}
}

// A FIFO named like a manifest does not hang the context scan.
func TestContextScanFIFO(t *testing.T) {
	if oNonblock == 0 {
		t.Skip("no O_NONBLOCK here")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "app.yaml"), []byte("kind: Service\nmetadata: {name: web}\n"), 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan bool)
	go func() {
		SelectContext([]string{filepath.Join(dir, "app.yaml")}, ContextOptions{Roots: []string{dir}}, Options{Cwd: dir})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the context scan hangs on a FIFO")
	}
}

// Nor does it hang the load of a directory holding one, or of a FIFO named on the
// command line: a file that is not a regular file is skipped with a note, not read
// (a read of a FIFO waits for a writer that never comes).
func TestLoadFIFO(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte("events {}\nhttp {}\n"), 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.conf"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, paths := range [][]string{{"."}, {"pipe.conf", "nginx.conf"}} {
		done := make(chan *Result)
		go func() {
			res, err := Load(paths, Options{Cwd: dir})
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		select {
		case res := <-done:
			if res == nil || res.Files < 1 {
				t.Errorf("%v: %+v", paths, res)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: the load hangs on a FIFO", paths)
		}
	}
}
