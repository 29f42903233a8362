//go:build linux && (386 || amd64 || arm || arm64 || loong64 || ppc64 || ppc64le || riscv64 || s390x)

package load

// oNonblock is O_NONBLOCK on these Linux ports (the syscall package is off limits to
// no502: cmd/no502's security test).
const oNonblock = 0x800
