package parsers

import "strconv"

// Plural is "1 one" or "n many": a count with its noun, for messages whose count comes
// from the user (a limit flag set to 1) or from the files.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
