package output

import (
	"bufio"
	"io"
	"path/filepath"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/no502/no502/lint"
)

// WriteDiff prints changes as a unified diff (git apply and patch take it). With colour,
// removed lines are red and added ones green, as git diff shows them on a terminal.
func WriteDiff(w io.Writer, changes []lint.Change, colored bool) error {
	p := newPalette(colored)
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, c := range changes {
		name := filepath.ToSlash(c.Path)
		diff := udiff.Unified("a/"+name, "b/"+name, string(c.Before), string(c.After))
		if !colored {
			bw.WriteString(diff)
			continue
		}
		for _, line := range strings.SplitAfter(diff, "\n") {
			text := strings.TrimSuffix(line, "\n")
			switch {
			case strings.HasPrefix(line, "--- "), strings.HasPrefix(line, "+++ "):
				text = p.bold(text)
			case strings.HasPrefix(line, "@@"):
				text = p.info(text)
			case strings.HasPrefix(line, "-"):
				text = p.err(text)
			case strings.HasPrefix(line, "+"):
				text = p.green(text)
			}
			bw.WriteString(text)
			if strings.HasSuffix(line, "\n") {
				bw.WriteByte('\n')
			}
		}
	}
	return bw.Flush()
}
