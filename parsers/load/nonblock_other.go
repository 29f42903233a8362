//go:build !(linux && (386 || amd64 || arm || arm64 || loong64 || ppc64 || ppc64le || riscv64 || s390x))

package load

// oNonblock: elsewhere files are opened as os.Open does.
const oNonblock = 0
