package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// corpusDir holds real compose files from public projects (../shared/corpus/compose),
// flattened into one directory: owner__repo__path.
const corpusDir = "../../../shared/corpus/compose"

// corpusFiles lists the compose files of the corpus, or skips without it.
func corpusFiles(t testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s is missing", corpusDir)
		}
		t.Skipf("corpus %s is missing", corpusDir)
	}
	var out []string
	for _, f := range files {
		if ext := filepath.Ext(f); ext == ".yml" || ext == ".yaml" {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, abs)
		}
	}
	return out
}

// corpusRejected are the corpus files docker compose refuses and we report an error for
// too (negative fixtures of their upstream). Two other negative fixtures load without an
// error on purpose: docker/compose's wrong-composefile (an unknown service attribute
// wrongField: we do not validate against the schema, unknown attributes are ignored) and
// caddy-docker-proxy's compose_wrong.yaml (the mistake is in a label's value, which is
// the proxy's business).
var corpusRejected = map[string]string{
	"compose-spec__compose-go__loader__testdata__compose-depends-on-cycle.yaml": "depends_on cycle",
}

func loadFiles(t testing.TB, env map[string]string, files ...string) *Project {
	var in []parsers.Input
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, parsers.Input{Path: filepath.Base(f), Abs: f, Src: b})
	}
	return Load(in, Options{Env: env})
}

func errorsOf(p *Project) []string {
	var out []string
	for _, d := range p.Diags {
		if d.Severity == parsers.Error {
			out = append(out, d.String())
		}
	}
	return out
}

// TestCorpus parses every corpus compose file alone: no errors (except the files meant to
// be invalid), and the same services as compose-go where compose-go loads the file.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	oracleOK, oracleFailed, plainOK := 0, 0, 0
	for _, f := range files {
		name := filepath.Base(f)
		for i, env := range envs(t, []string{f}) {
			p := loadFiles(t, env, f)
			errs := errorsOf(p)
			if _, rejected := corpusRejected[name]; i == 0 && rejected != (len(errs) > 0) {
				t.Errorf("%s: errors %q (expected to be rejected: %v)", name, errs, rejected)
			}
			theirs, err := composeGo(t, filepath.Dir(f), []string{f}, env)
			if err != nil {
				if i == 1 {
					oracleFailed++
					t.Logf("%s: compose-go: %v", name, err)
				}
				continue
			}
			if i == 1 {
				oracleOK++
			} else {
				plainOK++
			}
			for _, d := range diffOracle(p, theirs) {
				t.Errorf("%s (env %d): %s", name, i, d)
			}
		}
	}
	t.Logf("%d compose files; compose-go loaded %d without variables, %d with every variable set (refused %d)", len(files), plainOK, oracleOK, oracleFailed)
}

// corpusSets are the multi-file sets of the corpus, merged as docker compose -f would.
var corpusSets = [][]string{
	{"tiangolo__full-stack-fastapi-template__docker-compose.yml", "tiangolo__full-stack-fastapi-template__docker-compose.override.yml"},
	{"tiangolo__full-stack-fastapi-template__docker-compose.yml", "tiangolo__full-stack-fastapi-template__docker-compose.traefik.yml"},
	{"netbox-community__netbox-docker__docker-compose.test.yml", "netbox-community__netbox-docker__docker-compose.test.override.yml"},
	{"api-platform__api-platform__compose.yaml", "api-platform__api-platform__compose.override.yaml"},
	{"api-platform__api-platform__compose.yaml", "api-platform__api-platform__compose.prod.yaml"},
	{"wodby__docker4drupal__compose.yml", "wodby__docker4drupal__compose.override.yml"},
	{"svix__svix-webhooks__server__docker-compose.yml", "svix__svix-webhooks__server__docker-compose.override.yml"},
	{"appwrite__appwrite__docker-compose.yml", "appwrite__appwrite__docker-compose.override.yml"},
	{"mattermost__docker__docker-compose.yml", "mattermost__docker__docker-compose.nginx.yml"},
	{"mattermost__docker__docker-compose.yml", "mattermost__docker__docker-compose.without-nginx.yml"},
	{"frappe__frappe_docker__compose.yaml", "frappe__frappe_docker__overrides__compose.mariadb.yaml", "frappe__frappe_docker__overrides__compose.nginxproxy.yaml"},
	{"oauth2-proxy__oauth2-proxy__contrib__local-environment__docker-compose.yaml", "oauth2-proxy__oauth2-proxy__contrib__local-environment__docker-compose-nginx.yaml"},
	{"markshust__docker-magento__compose__compose.yaml", "markshust__docker-magento__compose__compose.healthcheck.yaml", "markshust__docker-magento__compose__compose.dev.yaml"},
	{"zulip__docker-zulip__compose.yaml", "zulip__docker-zulip__ci__http-only__compose.yaml"},
	{"jitsi__docker-jitsi-meet__docker-compose.yml", "jitsi__docker-jitsi-meet__jibri.yml"},
	{"nginx-proxy__nginx-proxy__test__compose.base.yml", "nginx-proxy__nginx-proxy__test__test_ssl__compose.base.override.yml"},
	{"compose-spec__compose-go__cli__testdata__simple__compose.yaml", "compose-spec__compose-go__cli__testdata__simple__compose-with-overrides.yaml"},
	{"stefanprodan__dockprom__docker-compose.yml", "stefanprodan__dockprom__docker-compose.exporters.yml"},
}

// TestCorpusMerge merges the corpus's base and override sets and compares them with
// compose-go's merge.
func TestCorpusMerge(t *testing.T) {
	corpusFiles(t)
	for _, set := range corpusSets {
		var files []string
		for _, f := range set {
			abs, _ := filepath.Abs(filepath.Join(corpusDir, f))
			files = append(files, abs)
		}
		name := strings.Join(set, " + ")
		for i, env := range envs(t, files) {
			p := loadFiles(t, env, files...)
			if errs := errorsOf(p); i == 0 && len(errs) > 0 {
				t.Errorf("%s: %q", name, errs)
			}
			theirs, err := composeGo(t, filepath.Dir(files[0]), files, env)
			if err != nil {
				if i == 1 {
					t.Logf("%s: compose-go: %v", name, err)
				}
				continue
			}
			for _, d := range diffOracle(p, theirs) {
				t.Errorf("%s (env %d): %s", name, i, d)
			}
		}
	}
}
