package evidence

// notReproducible lists the rules no loopback experiment can show, with where their
// claim comes from instead. Filled in as the experiments are written.
const notReproducible = `
## Not reproducible on loopback
`
