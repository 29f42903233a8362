//go:build !race

package nginx

const raceSlowdown = 1
