package output

import "testing"

func TestGitHubEscaping(t *testing.T) {
	if got := ghData("50% done\r\nnext"); got != "50%25 done%0D%0Anext" {
		t.Errorf("ghData: %q", got)
	}
	if got := ghProp("a,b: c%"); got != "a%2Cb%3A c%25" {
		t.Errorf("ghProp: %q", got)
	}
}
