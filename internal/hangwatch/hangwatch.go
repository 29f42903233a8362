// Package hangwatch makes a fuzz input that hangs a parser into a failing input the fuzzer
// keeps.
//
// A fuzz function that never returns is not reported by Go's fuzzer as a failure with its
// input: the run just stops making progress until -fuzztime or -timeout ends it, and the
// input is lost. A panic on another goroutine kills the fuzzing worker instead, and the
// coordinator then writes the input it was running to testdata/fuzz ("fuzzing process hung
// or terminated unexpectedly"), so the hang becomes a regression test like any crasher.
package hangwatch

import (
	"fmt"
	"time"
)

// Limit is how long one fuzz input may run. The inputs are kilobytes and every parser is
// linear, so a healthy input takes milliseconds even under the race detector; the margin is
// for a loaded CI machine, not for slow code.
const Limit = 10 * time.Second

// Start arms the watchdog for one input of size bytes; the caller defers the returned stop.
func Start(size int) (stop func()) { return start(size, Limit) }

func start(size int, limit time.Duration) (stop func()) {
	t := time.AfterFunc(limit, func() {
		panic(fmt.Sprintf("hangwatch: a %d-byte fuzz input ran longer than %v", size, limit))
	})
	return func() { t.Stop() }
}
