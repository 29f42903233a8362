// Package evidence proves no502's rules against the real proxies: each experiment runs
// nginx or Caddy on loopback in front of a controllable upstream, sends webhook-like
// traffic through the config no502 flags and through the config its fix produces, and
// counts the 502s and 504s. The experiments are its tests (go test ./evidence); their
// numbers are written to docs/evidence.md with go test ./evidence -update.
package evidence
