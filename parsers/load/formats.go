package load

import (
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/parsers/compose"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/nginx"
	"github.com/no502/no502/parsers/terraform"
)

// The format parsers, wired in one place.
func init() {
	formats[parsers.FormatNginx] = nginx.Parse
	formats[parsers.FormatCaddy] = caddy.Parse
	formats[parsers.FormatTerraform] = terraform.Parse
	formats[parsers.FormatK8s] = k8s.Parse
	formats[parsers.FormatCompose] = compose.Parse
}
