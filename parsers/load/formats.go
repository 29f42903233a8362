package load

import (
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/nginx"
)

func init() {
	formats[parsers.FormatNginx] = nginx.Parse
}
