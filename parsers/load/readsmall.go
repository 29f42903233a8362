package load

import "os"

// readSmall reads a file of at most max bytes (nil when larger or unreadable) for the
// context scan. os.ReadFile would stat the file and read once more for EOF: for a small
// manifest those calls cost more than the read. The result is a copy of exactly the
// file's size, carved out of the worker's arena (one allocation per megabyte, not per
// file). When keep is given, only bytes it accepts are kept (nil otherwise): the
// others stay in the scratch buffer, which the next file reuses.
func readSmall(abs string, max int64, sb *scanBuf, keep func([]byte) bool) []byte {
	scratch := &sb.scratch
	// O_NONBLOCK: os then skips making the descriptor non-blocking for its poller and
	// back (four fcntl calls per file, more than the read costs), and a FIFO named like
	// a manifest cannot hang the scan. Reads of regular files ignore the flag.
	f, err := os.OpenFile(abs, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	buf := (*scratch)[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		free := cap(buf) - len(buf)
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		*scratch = buf
		if int64(len(buf)) > max {
			return nil
		}
		// A regular file reads short only at its end: no second read for EOF (at
		// worst a file is scanned cut, and it is only context).
		if err != nil || n < free {
			if err != nil && len(buf) == 0 || keep != nil && !keep(buf) {
				return nil
			}
			return sb.keep(buf)
		}
	}
}

// scanBuf is one worker's buffers: scratch for reading, arena for keeping what was read.
// The arena is only ever appended to, so what an earlier scan kept stays valid.
type scanBuf struct {
	scratch, arena []byte
}

func (sb *scanBuf) keep(b []byte) []byte {
	if cap(sb.arena)-len(sb.arena) < len(b) {
		sb.arena = make([]byte, 0, max(1<<20, len(b)))
	}
	start := len(sb.arena)
	sb.arena = append(sb.arena, b...)
	return sb.arena[start:len(sb.arena):len(sb.arena)]
}
