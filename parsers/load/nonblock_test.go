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
