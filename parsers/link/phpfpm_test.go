package link

import (
	"testing"
	"time"

	"github.com/no502/no502/parsers/phpfpm"
)

func TestPoolTimeout(t *testing.T) {
	file := func(target, text string) poolFile {
		return poolFile{target, phpfpm.Parse(target, []byte(text))}
	}
	const dir = "/usr/local/etc/php-fpm.d/"
	tests := []struct {
		name     string
		files    []poolFile
		wholeDir bool
		want     time.Duration // 0: no budget
		from     string
	}{
		{"one www pool", []poolFile{file(dir+"www.conf", "[www]\nrequest_terminate_timeout = 2m\n")}, false, 2 * time.Minute, dir + "www.conf"},
		{"a later file wins", []poolFile{file(dir+"zz-timeout.conf", "[www]\nrequest_terminate_timeout = 120\n"), file(dir+"www.conf", "[www]\nrequest_terminate_timeout = 30\n")}, false, 2 * time.Minute, dir + "zz-timeout.conf"},
		{"the pool directory after php-fpm.conf", []poolFile{file(dir+"www.conf", "[www]\nrequest_terminate_timeout = 60\n"), file("/usr/local/etc/php-fpm.conf", "[global]\n[www]\nrequest_terminate_timeout = 300\n")}, false, time.Minute, dir + "www.conf"},
		{"a later 0 turns it off", []poolFile{file(dir+"www.conf", "[www]\nrequest_terminate_timeout = 60\n"), file(dir+"zz.conf", "[www]\nrequest_terminate_timeout = 0\n")}, false, 0, ""},
		{"the shortest of several pools", []poolFile{file(dir+"www.conf", "[www]\nrequest_terminate_timeout = 300\n[api]\nrequest_terminate_timeout = 1m\n")}, false, time.Minute, dir + "www.conf"},
		{"a pool without a limit", []poolFile{file(dir+"www.conf", "[www]\nrequest_terminate_timeout = 60\n[slow]\npm = static\n")}, false, 0, ""},
		{"the image's www pool unseen", []poolFile{file(dir+"api.conf", "[api]\nrequest_terminate_timeout = 60\n")}, false, 0, ""},
		{"the whole directory replaced", []poolFile{file(dir+"api.conf", "[api]\nrequest_terminate_timeout = 60\n")}, true, time.Minute, dir + "api.conf"},
		{"nothing", nil, true, 0, ""},
	}
	for _, tc := range tests {
		got, ok := poolTimeout(tc.files, tc.wholeDir)
		if tc.want == 0 {
			if ok {
				t.Errorf("%s: got %v (%v), want no budget", tc.name, got.Value, got.Pos)
			}
			continue
		}
		if !ok || got.Value != tc.want || got.Pos.File != tc.from {
			t.Errorf("%s: got %v from %s (%v), want %v from %s", tc.name, got.Value, got.Pos.File, ok, tc.want, tc.from)
		}
	}
}
