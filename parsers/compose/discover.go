package compose

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
)

// BaseNames are the files docker compose reads in a directory, in its order of
// preference: the first one present is the base.
var BaseNames = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}

// OverrideNames are the override files docker compose merges over the base without being
// told, in its order of preference: the first one present is used.
var OverrideNames = []string{"compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"}

// IsComposeFile reports whether a file name is a compose file by docker compose's
// conventions: a base or override name, or a variant (compose.prod.yaml,
// docker-compose.test.yml, or with a hyphen: docker-compose-prod.yml) meant to be passed
// with -f over the base.
func IsComposeFile(path string) bool {
	name := filepath.Base(path)
	ext := filepath.Ext(name)
	if ext != ".yml" && ext != ".yaml" {
		return false
	}
	stem := strings.TrimSuffix(name, ext)
	return stem == "compose" || stem == "docker-compose" ||
		strings.HasPrefix(stem, "compose.") || strings.HasPrefix(stem, "docker-compose.") ||
		strings.HasPrefix(stem, "compose-") || strings.HasPrefix(stem, "docker-compose-")
}

// Projects groups compose files into the file sets docker compose would merge. Per
// directory: the base (the first of BaseNames present) with the first of OverrideNames
// present, as `docker compose up` loads them; then every variant beside the base
// (compose.prod.yaml, docker-compose.test.yml) as base + variant, as `docker compose -f
// base -f variant` would. A variant without a base, or any other file, stands alone.
// Sets are returned in path order.
func Projects(inputs []parsers.Input) [][]parsers.Input {
	byDir := map[string][]parsers.Input{}
	var dirs []string
	for _, in := range inputs {
		d := filepath.Dir(absPath(in))
		if _, ok := byDir[d]; !ok {
			dirs = append(dirs, d)
		}
		byDir[d] = append(byDir[d], in)
	}
	sort.Strings(dirs)
	var out [][]parsers.Input
	for _, d := range dirs {
		files := byDir[d]
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
		find := func(names []string) int {
			for _, n := range names {
				for i, f := range files {
					if filepath.Base(f.Path) == n {
						return i
					}
				}
			}
			return -1
		}
		base, over := find(BaseNames), find(OverrideNames)
		if base < 0 {
			for _, f := range files {
				out = append(out, []parsers.Input{f})
			}
			continue
		}
		set := []parsers.Input{files[base]}
		if over >= 0 {
			set = append(set, files[over])
		}
		out = append(out, set)
		for i, f := range files {
			if i == base || i == over {
				continue
			}
			if isOverrideName(f.Path) {
				continue // a second override name: docker compose uses only the first
			}
			if IsComposeFile(f.Path) {
				out = append(out, []parsers.Input{files[base], f})
			} else {
				out = append(out, []parsers.Input{f})
			}
		}
	}
	return out
}

func isOverrideName(path string) bool {
	name := filepath.Base(path)
	for _, n := range OverrideNames {
		if n == name {
			return true
		}
	}
	return false
}
