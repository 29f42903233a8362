//go:build !unix

package load

import "os"

// readSmall reads a file of at most max bytes (nil when larger or unreadable).
func readSmall(abs string, max int64, _ *[]byte) []byte {
	st, err := os.Stat(abs)
	if err != nil || st.Size() > max {
		return nil
	}
	b, err := os.ReadFile(abs)
	if err != nil || int64(len(b)) > max {
		return nil
	}
	return b
}
