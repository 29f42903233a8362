package hangwatch

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestStopDisarms(t *testing.T) {
	stop := start(3, 20*time.Millisecond)
	stop()
	time.Sleep(60 * time.Millisecond) // a panic here would end the test binary
}

// TestHangKillsProcess runs itself again as a child that overstays its limit: the child
// must die with the watchdog's message, as a fuzz worker would.
func TestHangKillsProcess(t *testing.T) {
	if os.Getenv("HANGWATCH_CHILD") == "1" {
		defer start(7, 20*time.Millisecond)()
		time.Sleep(10 * time.Second)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHangKillsProcess$")
	cmd.Env = append(os.Environ(), "HANGWATCH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child outlived its watchdog:\n%s", out)
	}
	if !strings.Contains(string(out), "a 7-byte fuzz input ran longer than 20ms") {
		t.Fatalf("child output lacks the watchdog's message:\n%s", out)
	}
}
