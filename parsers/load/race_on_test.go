//go:build race

package load

// Under the race detector sync.Pool drops what is put back at random, so buffers that
// a normal run reuses are allocated again: allocation counts do not hold there.
const raceEnabled = true
