//go:build race

package nginx

// The race detector slows code 2-20 times (its documentation's figures): time limits
// meant to catch super-linear parsing are stretched by raceSlowdown under it.
const raceSlowdown = 10
