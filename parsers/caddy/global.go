package caddy

// InsertGlobalOptions adds text, a global options block ("{\n\t...\n}\n" and a blank
// line), at the top of a Caddyfile that has none: Caddy reads the global options only as
// the file's first block.
func (e *Editor) InsertGlobalOptions(text string) { e.add(0, 0, text) }
