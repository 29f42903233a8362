package compose

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/no502/no502/parsers"
)

// entryScript returns the shell script c's command line starts, when the command line
// is literal and the linted files hold the script where the container finds it:
//   - the command line runs the script itself (["/entrypoint.sh"], the first word an
//     absolute path) or through a shell (bash /entrypoint.sh, sh -e /start.sh: a shell
//     and its options, then the script; not sh -c, whose script is the next word);
//   - no word up to the script holds a variable, a glob or a backquote;
//   - the path is a file the service bind-mounts there, or else the one the Dockerfile
//     it builds copies there last (a file copied to that path, or a directory copied
//     above it holding the file), in the linted tree, at most 64 KiB;
//   - run directly, the script starts with a #! line naming a POSIX shell (sh, bash,
//     ash, dash; /usr/bin/env bash).
//
// The app server detection (parsers/appserver) then reads the script's lines in place of
// its name, as it reads sh -c "...": findings point into the script.
func entryScript(c *parsers.Container, mounts, copies []parsers.ComposeMount, opts parsers.Options) *parsers.StartScript {
	all := append(append([]string(nil), c.Command...), c.Args...)
	if len(all) == 0 {
		return nil
	}
	k, viaShell := 0, false
	if shellProgram(all[0]) {
		k, viaShell = -1, true
		for i := 1; i < len(all); i++ {
			w := all[i]
			if w == "-c" || strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.HasSuffix(w, "c") {
				return nil // sh -c: the script is the next word, read as such elsewhere
			}
			if w == "-o" || w == "+o" {
				i++
				continue
			}
			if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "+") {
				continue
			}
			k = i
			break
		}
		if k < 0 {
			return nil
		}
	}
	for _, w := range all[:k+1] {
		if strings.ContainsAny(w, "$`*?[{") {
			return nil
		}
	}
	at := all[k]
	if !path.IsAbs(at) {
		return nil
	}
	at = path.Clean(at)
	host := ""
	for _, mt := range copies {
		t := path.Clean(mt.Target)
		switch {
		case t == at:
			host = mt.Path
		case strings.HasPrefix(at, t+"/"):
			if st, err := os.Stat(mt.Path); err == nil && st.IsDir() {
				p := filepath.Join(mt.Path, filepath.FromSlash(strings.TrimPrefix(at, t+"/")))
				if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
					host = p
				}
			}
		}
	}
	best := -1
	for _, mt := range mounts {
		// A bind mount covers what the image holds at that path; the deepest mount
		// over the path is the one the container sees there.
		t := path.Clean(mt.Target)
		switch {
		case t == at && len(t) > best:
			host, best = mt.Path, len(t)
		case strings.HasPrefix(at, t+"/") && len(t) > best:
			host, best = filepath.Join(mt.Path, filepath.FromSlash(strings.TrimPrefix(at, t+"/"))), len(t)
		}
	}
	if host == "" || !filepath.IsAbs(host) || !opts.Within(host) {
		return nil
	}
	if st, err := os.Stat(host); err != nil || !st.Mode().IsRegular() || st.Size() > 64<<10 {
		return nil
	}
	display, src := host, []byte(nil)
	var err error
	if opts.ReadFile != nil {
		display, src, err = opts.ReadFile(host)
	} else {
		src, err = os.ReadFile(host)
	}
	if err != nil {
		return nil
	}
	text := string(src)
	if !viaShell && !shellShebang(text) {
		return nil
	}
	return &parsers.StartScript{Word: k, File: display, Text: text}
}

// shellProgram reports whether a command's first word runs a POSIX shell.
func shellProgram(w string) bool {
	switch path.Base(w) {
	case "sh", "bash", "ash", "dash":
		return true
	}
	return false
}

// shellShebang reports whether a script's first line is #! naming a POSIX shell
// (#!/bin/sh, #!/bin/bash -e, #!/usr/bin/env bash).
func shellShebang(text string) bool {
	line, _, _ := strings.Cut(text, "\n")
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "#!")
	if !ok {
		return false
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return false
	}
	if path.Base(f[0]) == "env" {
		if len(f) < 2 {
			return false
		}
		return shellProgram(f[1])
	}
	return shellProgram(f[0])
}
