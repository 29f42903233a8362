package compose

import "strings"

// SplitWords splits the string form of command, entrypoint or a healthcheck into words
// the way a POSIX shell splits a simple command: blanks separate words, single quotes
// keep everything, double quotes keep blanks and honour backslash escapes, a backslash
// outside quotes escapes the next character. ok is false for an unterminated quote.
//
// docker compose splits with go-shellwords, which also stops at the first unquoted ; & |
// < or > and drops the rest; here those stay words, so that a rule sees the whole
// command as written (the difference is listed in the package documentation).
func SplitWords(s string) (words []string, ok bool) {
	var b strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return words, false
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`\n", s[i+1]) >= 0 {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return words, false
			}
		default:
			inWord = true
			b.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, b.String())
	}
	return words, true
}
