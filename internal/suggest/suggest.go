// Package suggest finds the closest known word to a misspelt one, for "did you mean"
// hints on unknown rule IDs, config keys and flag values.
package suggest

import "strings"

// Closest returns the candidate nearest to word by edit distance, or "" when none is
// near enough to be a likely typo: at most a third of the word's length (at least 2)
// edits away, or a candidate that contains word or is contained in it (a shortened ID).
func Closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := distance(w, strings.ToLower(c))
		if bestDist < 0 || d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	limit := max(2, len(w)/3)
	if bestDist <= limit {
		return best
	}
	for _, c := range candidates {
		if len(w) >= 4 && strings.Contains(strings.ToLower(c), w) {
			return c
		}
	}
	return ""
}

// Hint is ` (did you mean "x"?)`, or "" when nothing is close.
func Hint(word string, candidates []string) string {
	if c := Closest(word, candidates); c != "" && c != word {
		return ` (did you mean "` + c + `"?)`
	}
	return ""
}

// distance is the Levenshtein distance between a and b, in bytes (IDs and keys are
// ASCII).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
