package testutil

import (
	"fmt"
	"strings"
)

// Diff returns a line diff of want and got, marking removed lines with "-"
// and added lines with "+". It is meant for test failure messages, so it
// favours clarity over minimality: a longest common subsequence on lines,
// with unchanged runs elided.
func Diff(want, got []byte) string {
	a := strings.SplitAfter(string(want), "\n")
	b := strings.SplitAfter(string(got), "\n")
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	line := func(mark string, s string) {
		fmt.Fprintf(&out, "%s %s", mark, s)
		if !strings.HasSuffix(s, "\n") {
			out.WriteString("\n\\ no newline at end\n")
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i++
			j++
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			line("+", b[j])
			j++
		default:
			line("-", a[i])
			i++
		}
	}
	return out.String()
}
