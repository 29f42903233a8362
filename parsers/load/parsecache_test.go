package load

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// A run that keeps what the Kubernetes parser read (parsers.Options.Cache, as lint --fix
// does for its verifying rounds) builds the same model, links included, as one that
// decodes every file: from a full cache, and from a cache where one file changed. The
// copies it hands out share nothing a later parse's link changes.
func TestParseCacheSameModel(t *testing.T) {
	var dirs []string
	filepath.WalkDir("../../rules/testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml") {
				dirs = append(dirs, p)
				break
			}
		}
		return nil
	})
	dirs = append(dirs, "../../testdata/demo")
	if corpus := "../../../shared/corpus"; dirExists(corpus) {
		dirs = append(dirs, corpus)
	}
	compared, kept := 0, 0
	for _, dir := range dirs {
		abs, _ := filepath.Abs(dir)
		fresh, err := Load([]string{abs}, Options{Cwd: abs})
		if err != nil {
			t.Fatal(err)
		}
		cache := &parsers.ParseCache{}
		cached := func(overlay map[string][]byte) *parsers.Model {
			t.Helper()
			res, err := Load([]string{abs}, Options{Cwd: abs, Parse: parsers.Options{Cache: cache}, Overlay: overlay})
			if err != nil {
				t.Fatal(err)
			}
			return res.Model
		}
		first := cached(nil) // fills the cache
		kept += cache.Len()
		second := cached(nil) // reads every kept file from it
		third := cached(nil)  // again, while second is alive and linked
		for i, m := range []*parsers.Model{first, second, third} {
			if !reflect.DeepEqual(fresh.Model, m) {
				t.Errorf("%s: parse %d with the cache differs from a parse without it", dir, i+1)
			}
		}
		// One manifest changed: the others come from the cache.
		for _, f := range fresh.Model.Files {
			if f.Format != parsers.FormatK8s || f.Host != "" {
				continue
			}
			path := filepath.Join(abs, f.Path)
			changed := strings.Replace(string(f.Src), "replicas: ", "replicas: 1", 1)
			if changed == string(f.Src) {
				continue
			}
			overlay := map[string][]byte{path: []byte(changed)}
			want, err := Load([]string{abs}, Options{Cwd: abs, Overlay: overlay})
			if err != nil {
				t.Fatal(err)
			}
			if got := cached(overlay); !reflect.DeepEqual(want.Model, got) {
				t.Errorf("%s: with %s changed, the cached parse differs from a parse without the cache", dir, f.Path)
			}
			break
		}
		compared++
	}
	// The testdata alone (a clone without ../shared) keep 73 files; the corpus adds more.
	if compared < 20 || kept < 50 {
		t.Fatalf("only %d directories with manifests compared, %d files kept", compared, kept)
	}
	t.Logf("%d directories, %d files kept", compared, kept)
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
