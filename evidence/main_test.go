package evidence

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "write the experiments' numbers to docs/evidence.md")

func TestMain(m *testing.M) {
	if spec := os.Getenv(upstreamEnv); spec != "" {
		upstreamMain(spec)
		return
	}
	flag.Parse()
	// The experiments spend their time waiting on timers, not on the CPU: run them side
	// by side (go test's default is GOMAXPROCS, 2 on the CI machine), unless -parallel
	// was given.
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "24")
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	if code == 0 {
		if err := syncDoc(*update); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			code = 1
		}
	}
	os.Exit(code)
}
