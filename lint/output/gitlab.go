package output

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/lint/baseline"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// GitLab's Code Quality report (artifacts:reports:codequality): the merge request
// widget lists the issues the change adds and fixes, and the diff marks their lines.
// It is a subset of Code Climate's issue format
// (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).

func init() { register("gitlab", writeGitLab) }

type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
	End   int `json:"end"`
}

// gitlabSeverity maps a severity onto GitLab's five (info, minor, major, critical,
// blocker): an error is a 502 the config causes, a warning one it risks.
func gitlabSeverity(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "critical"
	case rules.Warning:
		return "major"
	}
	return "info"
}

func writeGitLab(w io.Writer, r *lint.Result, _ Options) error {
	path := gitlabPaths()
	var issues []gitlabIssue
	// A file that could not be linted fails the job whatever --fail-on says; it is an
	// issue, or the widget would show nothing for a failed job.
	seen := map[string]int{}
	for _, d := range r.Errors {
		issues = append(issues, gitlabIssue{
			Description: "not linted: " + d.Message,
			CheckName:   "not-linted",
			Fingerprint: gitlabFingerprint(seen, "not-linted", path(d.Pos.File), d.Message),
			Severity:    "blocker",
			Location:    gitlabLoc(path(d.Pos.File), d.Pos),
		})
	}
	// The fingerprint is the baseline's (rule, file, the text of the line: it survives
	// lines moving) with the finding's occurrence among equal ones: GitLab compares
	// fingerprints between the merge request's report and the target branch's to tell
	// new issues from fixed ones, and shows one issue per fingerprint.
	texts := baseline.LineTexts(r.Model, r.Findings)
	for i, f := range r.Findings {
		p := path(f.Pos.File)
		issues = append(issues, gitlabIssue{
			Description: f.Rule.ID + ": " + f.Message,
			CheckName:   f.Rule.ID,
			Fingerprint: gitlabFingerprint(seen, f.Rule.ID, p, baseline.NormaliseLine(texts[i])),
			Severity:    gitlabSeverity(f.Severity),
			Location:    gitlabLoc(p, f.Pos),
		})
	}
	// One issue per line: readable in a job's artifact, and cheap for thousands.
	if len(issues) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	for i, is := range issues {
		b, err := json.Marshal(is)
		if err != nil {
			return err
		}
		sep := ",\n"
		if i == len(issues)-1 {
			sep = "\n"
		}
		if _, err := fmt.Fprintf(w, "  %s%s", b, sep); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

func gitlabLoc(path string, pos parsers.Pos) gitlabLocation {
	begin, end := int(pos.Line), int(pos.EndLine)
	if pos.EndCol == 1 && end > begin {
		end-- // the span ends with its line's newline; GitLab's end line is inclusive
	}
	if begin < 1 {
		begin = 1 // a whole-file error; GitLab needs a line
	}
	if end < begin {
		end = begin
	}
	return gitlabLocation{Path: path, Lines: gitlabLines{Begin: begin, End: end}}
}

// gitlabFingerprint hashes what identifies an issue, numbered among the equal ones
// (seen counts them) so that no two issues share a fingerprint.
func gitlabFingerprint(seen map[string]int, check, path, text string) string {
	key := baseline.Fingerprint(check, path, text)
	seen[key]++
	h := sha256.Sum256([]byte(key + ":" + strconv.Itoa(seen[key])))
	return hex.EncodeToString(h[:16])
}

// gitlabPaths returns how a file's display path is written: relative to the repository
// (GitLab's CI_PROJECT_DIR, where the job's checkout is) when no502 runs in a
// subdirectory of it, as GitLab finds the file by that path; else as displayed
// (relative to the working directory), slashes only.
func gitlabPaths() func(string) string { return repoPaths("CI_PROJECT_DIR") }

// repoPaths returns a function writing a display path relative to the checkout named by
// the environment variable env, when it is set and the file is under it; else the path
// as displayed, slashes only.
func repoPaths(env string) func(string) string {
	project := os.Getenv(env)
	cwd, err := os.Getwd()
	if project == "" || err != nil {
		return filepath.ToSlash
	}
	project, _ = filepath.Abs(project)
	if real, err := filepath.EvalSymlinks(project); err == nil {
		project = real
	}
	if real, err := filepath.EvalSymlinks(cwd); err == nil {
		cwd = real
	}
	return func(p string) string {
		abs := filepath.FromSlash(p)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, abs)
		}
		if rel, err := filepath.Rel(project, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
		return filepath.ToSlash(p)
	}
}
