package parsers

import "testing"

// TestFillFromEnv: an address written with environment references is filled in only
// from values the container's environment is known to hold. A variable not set leaves an
// nginx template's reference to nginx (unknown) and takes a Caddyfile's default; one set
// to a value no file shows, or to nothing, is unknown; an nginx variable ($host) is known
// only per request.
func TestFillFromEnv(t *testing.T) {
	env := EnvLookup(func(name string) (string, bool, bool) {
		switch name {
		case "BACKEND_HOST":
			return "app", true, true
		case "BACKEND_PORT":
			return "8000", true, true
		case "BACKEND":
			return "http://web:9000/", true, true
		case "SECRET_HOST":
			return "", true, false
		case "EMPTY":
			return "", true, true
		}
		return "", false, true
	})
	for _, c := range []struct {
		written, syntax string
		needPort        bool
		want            string
	}{
		{"${BACKEND_HOST}:${BACKEND_PORT}", EnvSubst, false, "app:8000"},
		{"$BACKEND_HOST:8000", EnvSubst, true, "app:8000"},
		{"${BACKEND_HOST}.internal", EnvSubst, false, "app.internal:80"},
		{"${BACKEND_HOST}", EnvSubst, true, ""}, // proxy_pass: may be an upstream{} name
		{"${UNSET_HOST}:8000", EnvSubst, false, ""},
		{"${SECRET_HOST}:8000", EnvSubst, false, ""},
		{"$host:8000", EnvSubst, false, ""},
		{"${BACKEND_HOST:8000", EnvSubst, false, ""},
		{"{$BACKEND_HOST}:{$BACKEND_PORT}", EnvCaddy, false, "app:8000"},
		{"{$BACKEND}", EnvCaddy, false, "web:9000"},
		{"{$UNSET:api:8000}", EnvCaddy, false, "api:8000"},
		{"{$BACKEND_HOST:api}:8000", EnvCaddy, false, "app:8000"},
		{"{$UNSET}", EnvCaddy, false, ""},
		{"{$SECRET_HOST:api}:8000", EnvCaddy, false, ""},
		{"{$EMPTY:api}:8000", EnvCaddy, false, ""},
	} {
		tg := &Target{Host: "stale", Env: &EnvAddress{Written: c.written, Syntax: c.syntax, DefPort: "80", NeedPort: c.needPort}}
		ok := tg.FillFromEnv(env)
		got := ""
		if ok {
			got = tg.Host + ":" + tg.Port
		}
		if got != c.want || ok != (c.want != "") || !ok && tg.Host != "" {
			t.Errorf("%s (%s): got %q (ok %v, host %q), want %q", c.written, c.syntax, got, ok, tg.Host, c.want)
		}
	}
}
