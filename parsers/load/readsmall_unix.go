//go:build unix

package load

import "syscall"

// readSmall reads a file of at most max bytes (nil when larger or unreadable) for the
// context scan, with three system calls: os.Open also registers the file with the
// runtime's poller (two more calls, which cost more than the read of a small manifest),
// and os.ReadFile adds a stat and a read for EOF. scratch is the worker's buffer; the
// result is a copy of exactly the file's size.
func readSmall(abs string, max int64, scratch *[]byte) []byte {
	fd, err := syscall.Open(abs, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	buf := (*scratch)[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		free := cap(buf) - len(buf)
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if n < 0 {
			n = 0
		}
		buf = buf[:len(buf)+n]
		*scratch = buf
		if int64(len(buf)) > max {
			return nil
		}
		// A regular file reads short only at its end: no second read for EOF (at
		// worst a file is scanned cut, and it is only context).
		if err != nil || n == 0 || n < free {
			if err != nil && len(buf) == 0 {
				return nil
			}
			return append([]byte(nil), buf...)
		}
	}
}
